"""Language detection: the fast English path, CLD2 for the rest, `und` when unclear."""

import polars as pl

from transforms.language import UNDETERMINED, detect_languages


def test_languages_of_short_posts():
    texts = pl.Series(
        [
            "my phone is not working and the support is useless",
            "el servicio de Nimbus es muy malo para mi casa, no funciona nada",
            "Le service client est vraiment nul, je suis très déçu",
            "Доступна официальная страница нового телефона",
            "😂😂",
            None,
        ]
    )
    assert detect_languages(texts).to_list() == ["en", "es", "fr", "ru", UNDETERMINED,
                                                 UNDETERMINED]  # fmt: skip


def test_links_handles_and_hashtags_do_not_decide_the_language():
    texts = pl.Series(["RT @NimbusMobile: great deal on the new plan https://x.example/plan #5G"])
    assert detect_languages(texts).to_list() == ["en"]


def test_broken_text_is_undetermined_not_an_error():
    assert detect_languages(pl.Series(["\x00\x01\x02"])).to_list() == [UNDETERMINED]

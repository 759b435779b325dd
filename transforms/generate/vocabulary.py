"""The words the sample posts are made of.

Pieces are combined per post (opener + body + detail + closer + emoji + hashtags, brands written
as aliases, @handles or #hashtags), so a few hundred phrases give millions of distinct texts.
Placeholders: {b} the brand a post is about, {b2} a second brand (comparisons), {d} a detail
phrase, {tw} a word for the topic, {name} a brand's name, {link} a URL, {tag} a hashtag. Fillers
such as {city} or {price} are expanded when the vocabulary is compiled (see text.py).

Brand-relevant phrases must not contain the config's exclusion terms ("in orbit", "apex of",
"heart rate", ...): tests check this.
"""

from __future__ import annotations

# fmt: off
FILLERS: dict[str, tuple[str, ...]] = {
    "city": (
        "Denver", "Austin", "Chicago", "Phoenix", "Seattle", "Atlanta", "Miami", "Boston",
        "Kansas City", "St. Louis", "Portland", "Nashville", "Dallas", "San Diego", "Detroit",
        "Columbus", "Tampa", "Raleigh", "Salt Lake City", "Minneapolis",
    ),
    "state": (
        "Missouri", "Texas", "Ohio", "Florida", "Arizona", "Georgia", "Colorado", "Oregon",
        "Nevada", "Iowa",
    ),
    "country": (
        "Mexico", "Canada", "Spain", "Italy", "Japan", "the UK", "France", "Germany", "Brazil",
        "Portugal",
    ),
    "price": ("$5", "$10", "$12", "$15", "$20", "$25", "$30", "$40", "$60", "$85"),
    "n": ("2", "3", "4", "5", "6", "7", "8"),
    "hours": ("2", "3", "4", "5", "6", "8", "12"),
    "phone": ("iPhone 17", "Pixel 10", "Galaxy S26", "iPhone 16 Pro", "Galaxy Z Flip", "Pixel 9a"),
    "plan": ("Unlimited", "Unlimited Plus", "Essentials", "Family", "Prepaid 30", "Basic"),
}
# fmt: on

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "coverage": ("coverage", "signal", "reception"),
    "5g": ("5G", "data speeds", "5G speeds"),
    "outage": ("reliability", "network", "uptime"),
    "billing": ("billing", "bills", "autopay"),
    "roaming": ("roaming", "international roaming", "travel data"),
    "support": ("customer service", "support", "customer care"),
    "store": ("store experience", "in-store help"),
    "upgrade": ("upgrade deals", "trade-in offers"),
    "plans": ("plans", "unlimited plans", "family plans"),
    "prices": ("prices", "pricing", "monthly price"),
}

TOPIC_HASHTAGS: dict[str, tuple[str, ...]] = {
    "coverage": ("#coverage", "#nosignal", "#deadzone"),
    "5g": ("#5G", "#speedtest"),
    "outage": ("#outage", "#down", "#nosignal"),
    "billing": ("#billing", "#overcharged"),
    "roaming": ("#roaming", "#travel"),
    "support": ("#customerservice", "#support"),
    "store": ("#retail", "#shopping"),
    "upgrade": ("#newphone", "#upgrade"),
    "plans": ("#unlimited", "#phoneplan"),
    "prices": ("#deals", "#prices"),
}

# Details, by intent then topic. Complaint and praise details read after the brand
# ("{b} {d}": "Nimbus keeps dropping my calls"); question and purchase details are questions.
DETAILS: dict[str, dict[str, tuple[str, ...]]] = {
    "complaint": {
        "coverage": (
            "has zero bars in my apartment",
            "drops every single call on my commute",
            "can't hold a signal anywhere near {city}",
            "shows full bars but nothing loads",
            "loses signal the moment I leave downtown",
            "has dead zones all over {city}",
        ),
        "5g": (
            "5G is slower than my old 4G",
            "keeps switching me from 5G to 3G",
            "promised 5G around {city} and it's still not here",
            "5G gives me 2 Mbps on a good day",
            "5G icon is there but the speed test says 1 Mbps",
        ),
        "outage": (
            "is down again",
            "has been down for {hours} hours",
            "no service since this morning",
            "outage across {city} and zero updates",
            "network is completely dead right now",
            "is down and I can't even make a call",
            "has no data, no calls, nothing for {hours} hours now",
        ),
        "billing": (
            "charged me twice this month",
            "bill went up {price} with no explanation",
            "added fees I never agreed to",
            "still hasn't refunded the {price} overcharge",
            "autopay failed and then charged me a late fee",
            "billed me for a line I cancelled {n} months ago",
        ),
        "support": (
            "kept me on hold for {hours} hours",
            "support hung up on me twice",
            "chat agent just disconnected me mid-conversation",
            "transferred me {n} times and nobody could help",
            "support told me three different things",
            "still hasn't called me back after {n} days",
        ),
        "roaming": (
            "charged me {price} a day for roaming in {country}",
            "roaming didn't work at all in {country}",
            "travel pass never activated in {country}",
        ),
        "store": (
            "store staff ignored me for 40 minutes",
            "store on Main St was closed during posted hours",
            "store sold me the wrong SIM card",
        ),
        "upgrade": (
            "upgrade offer was a total bait and switch",
            "still hasn't shipped my {phone} after {n} weeks",
            "cut my trade-in value in half after they got my phone",
        ),
        "plans": (
            "changed my plan without asking",
            "unlimited plan throttles me after 20GB",
            "makes the family plan setup a nightmare",
        ),
        "prices": (
            "raised prices again",
            "price hike of {price} a month for nothing",
            "is getting way too expensive",
        ),
    },
    "purchase_intent": {
        "plans": (
            "how much is the unlimited plan?",
            "is there a plan for 2 lines under {price} a month?",
            "do you have prepaid plans with hotspot?",
            "what's the cheapest plan with unlimited data?",
            "can I get the {plan} plan without a contract?",
        ),
        "prices": (
            "what's the price for the {plan} plan with {n} lines?",
            "any student discounts right now?",
            "is the {price} off deal still available?",
            "do you price match?",
        ),
        "upgrade": (
            "I want the {phone}, what's the trade-in offer?",
            "can I get the {phone} on a payment plan?",
            "is the {phone} in stock anywhere near {city}?",
            "what do I get for trading in my old phone?",
        ),
        "store": (
            "do you have resellers in {state}?",
            "is there a store near {city}?",
            "can I sign up in store today?",
            "where can I buy a SIM in {city}?",
        ),
        "5g": ("is 5G included in the basic plan?", "does the {plan} plan come with 5G?"),
        "coverage": (
            "how's coverage around {city}?",
            "is the signal good in rural {state}? about to sign up",
        ),
    },
    "question": {
        "billing": (
            "why did my bill change this month?",
            "how do I set up autopay?",
            "when is my bill due after switching plans?",
            "can I still get a paper bill?",
        ),
        "roaming": (
            "does my plan include roaming in {country}?",
            "how do I turn on the travel pass for {country}?",
            "is roaming free in {country}?",
        ),
        "plans": (
            "can I add a line to my plan online?",
            "does the {plan} plan include hotspot?",
            "how do I change my plan?",
        ),
        "coverage": (
            "is there coverage near {city}?",
            "any plans to improve coverage around {city}?",
        ),
        "5g": ("is 5G available around {city} yet?", "how do I turn on 5G on my {phone}?"),
        "upgrade": (
            "when am I eligible to upgrade?",
            "how do I activate eSIM on my new {phone}?",
        ),
        "store": (
            "what time does the store downtown close?",
            "do I need an appointment at the store?",
        ),
        "prices": (
            "is the price going up next month?",
            "are taxes included in the {price} price?",
        ),
        "support": ("what's the number for tech support?", "is the support chat down?"),
        "outage": (
            "is there an outage around {city} right now?",
            "is the network down or is it just me?",
        ),
    },
    "praise": {
        "coverage": (
            "has signal everywhere, even at my cabin",
            "coverage around {city} is actually great now",
            "never drops my calls anymore",
            "works even in the subway",
        ),
        "5g": (
            "5G hit {n}00 Mbps downtown",
            "5G speeds are insane",
            "streams 4K on the train without buffering",
        ),
        "support": (
            "support fixed my issue in {n} minutes",
            "had the nicest support rep today",
            "support actually called me back!",
        ),
        "store": (
            "store staff were super helpful",
            "got me sorted at the store in 10 minutes",
        ),
        "upgrade": (
            "made upgrading to the {phone} painless",
            "gave me a great trade-in deal on my old phone",
        ),
        "prices": (
            "saves me {price} a month compared to my old carrier",
            "prices are fair for what you get",
        ),
        "plans": ("family plan is such a good deal", "unlimited plan is actually unlimited"),
        "roaming": (
            "roaming in {country} just worked",
            "travel pass worked perfectly in {country}",
        ),
    },
    "other": {
        "store": (
            "store at the mall is getting remodeled",
            "has a pop-up at the farmers market today",
            "store downtown has a huge line for the {phone}",
        ),
        "5g": ("is putting up a new 5G tower near my place", "5G ads are on every bus now"),
        "plans": ("sent me an email about a new {plan} plan", "renamed all their plans again"),
        "coverage": ("coverage map got updated", "is testing something near {city}"),
        "upgrade": ("is doing a {phone} launch event tonight", "has the {phone} preorders up"),
        "support": ("support hours changed apparently", "has a new support app"),
        "prices": ("is running a promo this weekend", "has a {price} off thing going on"),
    },
}

# Bodies by "intent/sentiment".
BODIES: dict[str, tuple[str, ...]] = {
    "complaint/negative": (
        "{b} {d}",
        "{b} {d}. unbelievable",
        "{b} {d} again",
        "can't believe {b} {d}",
        "yet again: {b} {d}",
        "so {b} {d} and nobody cares",
        "{b} {d}!!",
        "{b} {d}. fix it",
        "why is it that {b} {d}",
        "not happy. {b} {d}",
        "of course {b} {d} today of all days",
        "{b} {d}, seriously thinking about leaving",
        "third time this week {b} {d}",
        "me: pays my bill on time. {b}: {d}",
    ),
    "complaint/neutral": (
        "looks like {b} {d}",
        "fyi {b} {d}",
        "{b} {d}, hope it gets sorted soon",
        "apparently {b} {d}. not the end of the world",
        "hmm {b} {d}?",
    ),
    "purchase_intent/negative": (
        "done with my current carrier. {b} {d}",
        "{b} {d} my current provider is a joke",
    ),
    "purchase_intent/neutral": (
        "{b} {d}",
        "hey {b}, {d}",
        "question for {b}: {d}",
        "thinking of switching to {b}. {d}",
        "considering {b}, {d}",
    ),
    "purchase_intent/positive": (
        "thinking of switching to {b}, heard great things. {d}",
        "ready to sign up with {b}! {d}",
        "my friends love {b}. {d}",
        "finally switching to {b} next week, {d}",
        "the {b} deals look great, {d}",
    ),
    "question/negative": (
        "{b} {d} this is the third time I'm asking",
        "{b} {d} nobody answers",
        "seriously {b}, {d}",
        "{b} {d} the website is useless",
    ),
    "question/neutral": (
        "{b} {d}",
        "hey {b}, {d}",
        "quick question {b}: {d}",
        "anyone with {b} know: {d}",
        "for {b} customers: {d}",
    ),
    "question/positive": (
        "loving {b} so far! {d}",
        "{b} has been great, {d}",
        "happy {b} customer here, {d}",
    ),
    "praise/neutral": (
        "{b} {d}, took a while to get there though",
        "fair enough, {b} {d}",
        "{b} {d}, still not perfect",
    ),
    "praise/positive": (
        "{b} {d}",
        "gotta say {b} {d}",
        "honestly {b} {d}",
        "ok {b} {d}, impressed",
        "{b} {d}. love it",
        "not gonna lie, {b} {d}",
        "switched last month and {b} {d}",
        "shoutout to {b}, {d}",
        "{b} {d}!",
    ),
    "other/negative": (
        "{b} keeps texting me promos about the {plan} plan",
        "{b} ads are so annoying, saw {n} of them today",
        "{b} {d}, whatever",
        "{b} {d}. nobody asked",
    ),
    "other/neutral": (
        "{b} {d}",
        "saw that {b} {d}",
        "apparently {b} {d}",
        "so {b} {d}",
        "at the {b} store in {city} waiting for my turn",
    ),
    "other/positive": (
        "{b} {d}, nice",
        "cool, {b} {d}",
        "new {phone} day with {b}",
    ),
}

# Comparison bodies ({b} is the brand the post is mainly about, {b2} the other one).
COMPARISONS: dict[str, tuple[str, ...]] = {
    "praise/positive": (
        "switched from {b2} to {b}, way better {tw}",
        "{b} > {b2} for {tw}, not even close",
        "left {b2} for {b} last month and never looking back",
        "{b} beats {b2} on {tw} by a mile",
    ),
    "complaint/negative": (
        "{b} is worse than {b2} on {tw}, should've stayed",
        "switched from {b2} to {b} and regret it, {b} {d}",
        "{b} is even worse than {b2} for {tw}",
    ),
    "purchase_intent/neutral": (
        "{b} or {b2} for {tw}? need advice",
        "thinking of switching from {b2} to {b}",
        "comparing {b} and {b2} right now, {d}",
    ),
    "purchase_intent/positive": (
        "thinking of switching from {b2} to {b}, heard good things about their {tw}",
        "my whole family moved from {b2} to {b}, time for me too",
    ),
    "question/neutral": (
        "{b} vs {b2} for {tw} around {city}?",
        "anyone moved from {b2} to {b}? how's the {tw}?",
    ),
}

# fmt: off
OPENERS: dict[str, tuple[str, ...]] = {
    "negative": (
        "", "", "", "", "", "", "ugh ", "seriously ", "wow. ", "unreal. ", "not again. ",
        "PSA: ", "honestly ", "lol ", "great. ", "so... ", "ok ", "come on. ",
    ),
    "neutral": (
        "", "", "", "", "", "", "hey ", "hi ", "quick q: ", "ok so ", "so ", "hmm ",
        "random but ", "fyi ", "update: ",
    ),
    "positive": (
        "", "", "", "", "", "", "wow ", "ok ", "honestly ", "omg ", "update: ", "y'all ",
        "PSA: ",
    ),
}
CLOSER_KINDS = ("negative", "question", "positive")
CLOSERS: dict[str, tuple[str, ...]] = {
    "negative": (
        "", "", "", "", "", " smh", " fix it", " so annoying", " ridiculous", " done with this",
        " #fail", " thanks for nothing", " anyone else?", " unacceptable", " I pay for this??",
        " every. single. time", " this is why people leave",
    ),
    "question": (
        "", "", "", "", "", " thanks", " thx", " anyone know?", " lmk", " cheers",
        " thanks in advance", " 🤷", " asking for a friend",
    ),
    "positive": (
        "", "", "", "", "", " love it", " 10/10", " highly recommend", " so happy", " finally!",
        " no complaints", " well done", " great job",
    ),
}
EMOJIS: dict[str, tuple[str, ...]] = {
    "negative": (" 😡", " 🤬", " 😤", " 🙄", " 😩", " 👎", " 💀", " 😠", " 🤦", " 😡😡"),
    "neutral": (" 🤔", " 👀", " 📱", " 🤷", " 🙏"),
    "positive": (" 😍", " 🙌", " 🔥", " 💯", " 👏", " ❤️", " 😊", " 🚀", " 🙌🙌"),
}
# fmt: on

# Common misspellings applied to a few posts.
TYPOS: dict[str, str] = {
    "the ": "teh ",
    "because": "becuase",
    "really": "realy",
    "signal": "singal",
    "again": "agian",
    "service": "servcie",
    "definitely": "definately",
    "minutes": "mintues",
    "coverage": "coverge",
    "support": "suport",
    "phone": "phnoe",
    "switching": "swithcing",
}

# Brand words used in an unrelated sense, keyed by the config's exclusion term.
UNRELATED_BY_TERM: dict[str, tuple[str, ...]] = {
    "cumulonimbus": (
        "massive cumulonimbus clouds rolling in over the lake",
        "that cumulonimbus is going to dump rain on the parade",
        "cumulonimbus towers over the mountains this evening, stunning",
    ),
    "nimbus cloud": (
        "kids asked what a nimbus cloud is, fun science lesson",
        "one dark nimbus cloud right over my house and nowhere else",
    ),
    "nimbus clouds": (
        "dark nimbus clouds again, guess no run today",
        "nimbus clouds all week, my plants are happy",
    ),
    "nimbostratus": ("grey nimbostratus all day, perfect reading weather",),
    "nimbus 2000": (
        "found my old Nimbus 2000 toy broom in the attic",
        "rewatching Harry Potter, still want a Nimbus 2000",
    ),
    "rain cloud": (
        "walking around with my own personal rain cloud today",
        "that rain cloud followed me all the way home",
    ),
    "apex predator": (
        "orcas really are the apex predator of the ocean",
        "new shark documentary about apex predators tonight",
        "my cat thinks she's an apex predator",
    ),
    "apex legends": (
        "grinding Apex Legends ranked all weekend",
        "new Apex Legends season drops tomorrow",
        "anyone want to squad up in Apex Legends tonight?",
    ),
    "apex of the curve": ("hit the apex of the curve perfectly on my last lap",),
    "reached the apex": ("we finally reached the apex of the trail at sunrise",),
    "apex of": ("the apex of his career was that 2019 season",),
    "low earth orbit": (
        "new batch of satellites going into low earth orbit tonight",
        "there's so much junk in low earth orbit now",
    ),
    "in orbit": (
        "the ISS has been in orbit for over 25 years",
        "astronauts spend months in orbit, I can't even do a week of camping",
    ),
    "orbit around": ("the moon's orbit around earth is slowly getting bigger",),
    "orbital": ("orbital mechanics homework is destroying me", "watching the orbital launch live"),
    "orbit gum": ("Orbit gum is the only gum I buy", "anyone else chew Orbit gum nonstop?"),
    "heart rate": (
        "resting heart rate finally under 60, the pulse training works",
        "my pulse and heart rate when the teacher calls my name",
    ),
    "pulse oximeter": ("bought a pulse oximeter for my dad, works great",),
    "resting pulse": (
        "resting pulse 58 after the run, getting fitter",
        "resting pulse finally under 60",
    ),
}
# Frames for exclusion terms without curated sentences.
UNRELATED_FRAMES = (
    "{term} again today",
    "reading about {term} tonight",
    "anyone else obsessed with {term}?",
    "can't stop thinking about {term}",
    "that {term} documentary was great",
)
# Harder cases: the alias itself in another sense, without any exclusion term.
UNRELATED_HARD: dict[str, tuple[str, ...]] = {
    "nimbus": (
        "the saint's nimbus in that painting is gorgeous",
        "Nimbus the husky turned 5 today 🐶",
    ),
    "apex": (
        "best bbq in Apex, NC, fight me",
        "moving to Apex next month, any tips on schools?",
    ),
    "orbit": (
        "my cat Orbit knocked my coffee over again",
        "Orbit the mascot was hilarious at the game",
    ),
}
UNRELATED_HARD_SHARE = 0.15
UNRELATED_EMOJIS = (" 👀", " 🤷", " 😅", " 🙌", " ✨", " 😂")

SPAM: tuple[str, ...] = (
    "🔥 Get {n}k REAL followers for just {price}!! DM now {url}",
    "💰 {coin} GIVEAWAY 💰 send 0.1 {coin} and get 1 back, today only {url}",
    "DM for promo 📩 {tag}",
    "Want a FREE iPhone 17?? click here {url} {tag}",
    "Earn $500/day from home, no experience needed 👉 {url}",
    "🎁 Free $100 gift cards for the first 100 people {url} {tag}",
    "follow for follow 💯 {tag} #f4f #followback",
    "Check my bio for exclusive deals 🔥🔥 {tag}",
    "Cheapest unlocked phones online, 70% off today only {url} {tag}",
    "I made $3,200 this week trading {coin}, ask me how 📈 {url}",
    "Collab? DM us 📩 promo for small pages {tag}",
    "🚨 You have been selected for a reward, claim at {url}",
)
SPAM_FILLERS: dict[str, tuple[str, ...]] = {
    "coin": ("BTC", "ETH", "SOL", "DOGE"),
    "url_host": (
        "https://bit.ly/",
        "https://tinyurl.com/",
        "https://free-followers.example/",
        "https://crypto-x2.example/",
    ),
    "tag": ("#giveaway", "#crypto", "#free", "#promo", "#deal", "#followback"),
}
SPAM_BRAND_TAG_RATE = 0.35

# Non-English posts by language and intent ({b}: the brand's alias).
NON_ENGLISH: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "complaint": (
            "{b} lleva {hours} horas sin servicio, qué vergüenza",
            "otra vez sin señal con {b} en {city}",
            "{b} me cobró {price} de más este mes",
            "el soporte de {b} es un desastre",
        ),
        "purchase_intent": (
            "¿cuánto cuesta el plan ilimitado de {b}?",
            "pienso cambiarme a {b}, ¿vale la pena?",
        ),
        "question": (
            "¿{b} tiene cobertura en {city}?",
            "¿alguien sabe si {b} incluye roaming en México?",
        ),
        "praise": (
            "la cobertura de {b} en {city} es excelente",
            "muy buena atención en la tienda de {b}, me ayudaron con el {phone}",
        ),
        "other": (
            "vi un anuncio de {b} en el metro, {price} al mes por el plan {plan}",
            "{b} abrió una tienda nueva en {city}",
        ),
    },
    "pt": {
        "complaint": (
            "a {b} está sem sinal de novo há {hours} horas",
            "{b} me cobrou {price} a mais este mês",
            "atendimento da {b} é péssimo",
        ),
        "purchase_intent": (
            "quanto custa o plano ilimitado da {b}?",
            "pensando em mudar para a {b}",
        ),
        "question": (
            "a {b} tem cobertura em {city}?",
            "alguém sabe se o plano da {b} inclui roaming?",
        ),
        "praise": ("o 5G da {b} é muito rápido em {city}", "adorei o atendimento da {b}"),
        "other": ("vi a propaganda da {b} do {phone} na TV", "a loja da {b} fechou para reforma"),
    },
    "fr": {
        "complaint": (
            "encore une panne chez {b}, plus de réseau depuis ce matin",
            "{b} m'a facturé {price} de trop ce mois-ci",
            "le service client de {b} est nul",
        ),
        "purchase_intent": (
            "combien coûte le forfait illimité de {b} ?",
            "je pense passer chez {b}",
        ),
        "question": (
            "est-ce que {b} couvre bien {city} ?",
            "le forfait {b} inclut-il le roaming ?",
        ),
        "praise": ("super réseau avec {b}, rien à dire", "la 5G de {b} est vraiment rapide"),
        "other": ("pub {b} partout dans le métro", "nouvelle boutique {b} près de chez moi"),
    },
    "de": {
        "complaint": (
            "{b} hat schon wieder kein Netz",
            "{b} hat mir {price} zu viel abgebucht",
            "der Kundenservice von {b} ist eine Katastrophe",
        ),
        "purchase_intent": (
            "was kostet der Unlimited-Tarif bei {b}?",
            "überlege zu {b} zu wechseln",
        ),
        "question": ("hat {b} guten Empfang in {city}?", "ist Roaming bei {b} inklusive?"),
        "praise": ("{b} 5G ist richtig schnell", "super Beratung im {b} Shop"),
        "other": ("{b} Werbung läuft gerade überall", "neuer {b} Shop am Bahnhof"),
    },
}

# The tracked brand's announcements per campaign kind ({name}: the brand's name).
ANNOUNCEMENTS: dict[str, tuple[str, ...]] = {
    "switch_save": (
        "Switch & Save is here: bring your number to {name} and pay half for 6 months. {link}",
        "Tired of dropped calls? Switch to {name} and save 50% for 6 months 📱 {link} {tag}",
        "Keep your phone, keep your number, cut your bill in half. Switch & Save ends soon ⏳ "
        "{link}",
        "Switching is easier than ever: we'll even pay off your old phone. Details: {link}",
    ),
    "always_on": (
        "5G is now live in {city}! Check your coverage: {link} {tag}",
        "Unlimited data, no surprises. Find your plan: {link}",
        "Trade in any phone and get up to $800 off the {phone} {link}",
        "Heading to {country}? Roaming is included on Unlimited Plus ✈️ {link}",
    ),
    "family_plan": (
        "4 lines, one bill, $120/mo. Meet the Family Plan 👨‍👩‍👧‍👦 {link}",
        "Add a line for $20/mo on the Family Plan {link} {tag}",
        "A phone for everyone in the house with the Family Plan {link}",
    ),
    "competitor": (
        "{name} 5G is now live in {city} 🚀 {link}",
        "New customers get {price} off per month at {name}. {link}",
        "Our biggest phone deals of the season are here {link} {tag}",
        "We just expanded coverage across {state}. See the map: {link}",
    ),
}
# Brand replies to customers, by the intent of the post they answer.
REPLIES: dict[str, tuple[str, ...]] = {
    "complaint": (
        "Sorry to hear that! Please DM us your account number and ZIP so we can take a look. "
        "^{sig}",
        "We're aware of an issue in some areas and our engineers are on it. Thanks for your "
        "patience 🙏 ^{sig}",
        "That's not the experience we want for you. We've sent you a DM to get this fixed. ^{sig}",
        "Sorry about the trouble! Could you restart your phone and tell us if it continues? ^{sig}",
        "We hear you. Send us a DM with the details and we'll make it right. ^{sig}",
    ),
    "purchase_intent": (
        "Hi! Our Unlimited plan starts at $45/mo per line and you can keep your number. DM us "
        "any time! ^{sig}",
        "Great question! Our store locator lists authorized resellers near you, or DM us your "
        "ZIP. ^{sig}",
        "We'd love to have you! Switching takes about 10 minutes online or in store. ^{sig}",
    ),
}
SIGNATURES = ("JS", "MK", "AL", "TR", "EP", "DW", "SG", "RC")

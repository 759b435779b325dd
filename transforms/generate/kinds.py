"""What a generated row is. Stored as small ints in numpy arrays."""

ORGANIC = 0  # a person posting about one or two brands (including the spike's complaints)
SPAM = 1
UNRELATED = 2  # a brand word used in another sense
DUPLICATE = 3  # a retweet or a copy of an earlier organic post
REPLY = 4  # a brand account answering a complaint or purchase question
ANNOUNCE = 5  # a brand account promoting a campaign, with a tracked link

OWN = (REPLY, ANNOUNCE)

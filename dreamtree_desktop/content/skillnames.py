"""When two skill names are the same skill: case, punctuation, plurals and British or American
spelling do not make a new skill ("Organise events" = "organize event")."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
# Whole-word spellings the endings below do not reach.
_SPELLINGS = {
    "practise": "practice", "practising": "practicing", "practised": "practiced", "grey": "gray",
    "aluminium": "aluminum", "mould": "mold", "moulding": "molding", "tyre": "tire", "tyres": "tires",
    "judgement": "judgment", "ageing": "aging", "enrol": "enroll", "enrolment": "enrollment",
    "fulfil": "fulfill", "skilful": "skillful", "plough": "plow", "cheque": "check", "kerb": "curb",
    "draught": "draft", "pyjama": "pajama", "sceptical": "skeptical", "manoeuvre": "maneuver",
    "paediatric": "pediatric", "paediatrics": "pediatrics", "orthopaedic": "orthopedic",
    "anaesthesia": "anesthesia", "haematology": "hematology", "oesophagus": "esophagus",
    "encyclopaedia": "encyclopedia", "gaol": "jail", "storey": "story", "programme": "program",
    "programmes": "programs", "jewellery": "jewelry", "and": "",
}
_ENDINGS = (
    (re.compile(r"isation$"), "ization"), (re.compile(r"ising$"), "izing"), (re.compile(r"ised$"), "ized"),
    (re.compile(r"iser$"), "izer"), (re.compile(r"ise$"), "ize"), (re.compile(r"yse$"), "yze"),
    (re.compile(r"ysing$"), "yzing"), (re.compile(r"ysed$"), "yzed"),
    (re.compile(r"([^aeiou])our(s|ed|ing|ite|able)?$"), r"\1or\2"), (re.compile(r"([^aeiou])tre$"), r"\1ter"),
    (re.compile(r"ogue$"), "og"), (re.compile(r"^(travel|model|label|cancel|counsel|signal|level|fuel|channel|marshal|tunnel|total|dial|"
                r"equal|jewel|pedal|panel|funnel|shovel|snorkel|enrol)l(ing|ed|er|ers|ery)$"), r"\1\2"),
    (re.compile(r"(lic|def|off|pret)ence$"), r"\1ense"),
)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


def _spelling(word: str) -> str:
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    for pattern, replacement in _ENDINGS:
        word = pattern.sub(replacement, word)
    return word


def skill_key(name: str) -> str:
    """The form two names share when they name the same skill."""
    words = (_singular(_spelling(_spelling(w))) for w in _WORD.findall(name.casefold().replace("&", " and ")))
    # Joined without spaces: "E-commerce", "e commerce" and "ecommerce" are one skill.
    return "".join(w for w in (_spelling(w) for w in words) if w)

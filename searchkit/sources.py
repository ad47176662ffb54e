"""Cited sources: the news agencies and outlets an article names as its origin.

``extract_sources`` finds *citations* ("Kyodo News reported", "according to
RIA Novosti", "told Reuters", "the official news agency IRNA said", dateline
credits such as "BOGOTA, 12 DEC 89 (AFP) --"), not bare mentions ("a Reuters
correspondent was expelled"). Names come from a packaged gazetteer
(``data/sources.tsv``) and are reported under their canonical spelling; an
outlet missing from the gazetteer is still caught when the citation names
something that looks like an outlet ("the Jordan Herald said", "the daily
Hurriyet reported"), but people, officials and governments are not sources
("the spokesman said", "Washington said").

How it stays fast (it runs on every article at index time): one regex pass
over the lower-cased text finds the citation cue words ("said", "according
to", "told", ...); only around those few anchors are the short anchored
patterns for the cited name tried, and names are looked up in the gazetteer
by token n-grams in a dict, so the cost does not grow with the gazetteer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# The gazetteer is query time's too; the extractor below looks names up in it.
from .gazetteer import _TOKEN_RE, _gazetteer, _key, _tokens, aliases, canonical_source, gazetteer_size, source_key

__all__ = ["aliases", "canonical_source", "extract_sources", "gazetteer_size", "source_key"]

# --- word lists --------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# May surround a known name without making it another entity ("Yonhap news
# agency", "Tehran radio"), and may differ in case from the gazetteer spelling.
_GENERIC = _words(
    """news agency press radio television tv service network daily newspaper weekly magazine
    broadcaster channel station wire online website paper journal the a an of and & de"""
)
# Last words of outlet names ("Jordan Herald", "Ecuador Radio").
_HEADS = _words(
    """news radio television tv times post journal herald gazette daily press tribune telegraph
    chronicle observer monitor courier weekly magazine inquirer dispatch mirror gazeta
    gazzetta zeitung shimbun ilbo sinmun ribao bao diario noticias prensa radiotelevision
    televisión televisora telegraaf sentinel"""
)
# First words of outlet names ("Radio Venceremos", "Television Peruana").
_FIRST_HEADS = _words("radio television tv radiotelevision tele canal cadena emisoras diario voz")
# Heads that name an outlet only after a news word: "Missile Defense Agency" is none.
_QUALIFIED_HEADS = {
    "agency": _words("news press telegraph telegraphic information"),
    "service": _words("news press wire broadcasting"),
    "network": _words("news radio television tv broadcasting cable"),
}
# A name with one of these is a person, an official body or a company, not an outlet.
_NOT_OUTLET = _words(
    """secretary minister ministry spokesman spokeswoman spokesperson official officials officer
    office director president chairman chief commander general admiral colonel captain sergeant
    department council commission committee command corps force forces army navy police
    government embassy party union bank university institute center centre court parliament
    congress senate board authority administration mission program programme
    inc corp co ltd plc llc holdings group company corporation cos sa ag nv
    telephone telecom telecommunications
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    source sources reporter reporters correspondent correspondents journalist journalists
    station stations report reports statement communique announcement document
    analyst analysts diplomat diplomats spokesmen spokeswomen issue edition
    channels networks stations newspapers agencies media dailies weeklies magazines"""
)
# First words that make a phrase a description, not a name ("A LOCAL RADIO STATION").
_VAGUE = _words(
    """local nationwide national state official government private clandestine foreign
    international several various some one two three another other unidentified unnamed
    independent major leading opposition rebel guerrilla western eastern northern southern
    latest recent earlier first"""
)
# Adjectives of nationality and the like: "Iranian radio" or "the South Korean
# news agency" name no particular outlet.
_DEMONYM_RE = re.compile(
    r"\w+(?:an|ese|ish|i|ch|ine)|soviet|yugoslav|greek|thai|swiss|czech|arab|slovak|kurd|north|south"
    r"|east|west|u\.?s\.?|un|eu|nato|state|official|communist|islamic|hong|kong|new",
    re.IGNORECASE,
)
# Article particles of names, capitalised or not: "al-Qabas", "Al-Qabas".
_PARTICLES = _words("al el an ad as ash at ar az de la le di da du der die das del")
_CONNECTORS = _words("of de del della di da do dos das du des la le las los el y e et and & the für am al van von")

# Cue words: the anchors searched for in the lower-cased text.
_VERBS = _words(
    """reported reports reporting said says quoted quotes quoting cited cites citing added adds
    stated states announced announces broadcast broadcasts carried carries wrote writes noted
    notes claimed claims disclosed discloses revealed reveals learned commented editorialized
    asserted alleged charged warned confirmed explained observed indicated described identified
    published printed predicted estimated speculated suggested insisted argued contended
    concluded asked accused denounced criticized criticised condemned urged"""
)
# After a known name only: "a Reuters report", "an AP cable".
_NOUNS = _words(
    "report reports dispatch dispatches cable cables interview commentary editorial broadcast "
    "article story query survey poll"
)
# Inverted attribution, "..., said Tanjug." -- trusted only before punctuation.
_INVERTED = _words("said says reported reports added wrote writes")
# Cues that cite the name after them; each is checked against _PRE_RE.
_PRE_WORDS = _words(
    """according told tells telling tell speaking talking spoke talked speak talk said says say
    reported report reports explained confirmed stated interview interviews conversation
    interviewed quoted cited carried broadcast monitored published released aired televised
    distributed wrote writing writes appeared appearing article articles editorial commentary made
    story column op-ed dispatch piece item statement comments remarks written photo photos
    quoting citing via"""
)
_PRE = r"""
    (?:story|written|photos?)\s+by(?:\s+[^,\n()]{1,60},)?
  | according\s+to | told | tells | telling | tell
  | (?:speaking|talking|spoke|talked|speak|talk)\s+(?:to|with)
  | (?:said|says|say|reported|report|reports|explained|confirmed|stated)\s+(?:this\s+|it\s+)?to
  | (?:interview|interviews|conversation)\s+(?:with|granted\s+to|given\s+to|to)
  | interview\s+granted\s+(?:in\s+[\w.]+(?:\s+[\w.]+)?\s+)?to
  | (?:quoted|cited|reported|carried|broadcast|monitored|published|released|aired|televised
     |interviewed|distributed)\s+by
  | (?:carried|broadcast|published|aired)\s+on
  | made\s+(?:\w+ly\s+)?to
  | quoted\s+in
  | (?:wrote|writing|writes|published|appeared|appearing)\s+in
  | (?:report|reports|article|articles|editorial|commentary|story|column|op-ed|dispatch|piece
     |item|statement|comments|remarks)\s+(?:in|by|to|carried\s+by|published\s+in)
  | quoting | citing | via
"""
_STOP_UPPER = _words(
    """THE A AN THIS THAT THESE THOSE IT ITS HE SHE THEY WE I YOU HIS HER THEIR OUR WHO WHOM
    WHICH WHAT WHEN WHERE WHY HOW IS ARE WAS WERE BE BEEN BEING HAS HAVE HAD DO DOES DID WILL
    WOULD SHALL SHOULD CAN COULD MAY MIGHT MUST NOT NO AND OR BUT IF THEN THAN SO AS AT BY FOR
    FROM IN INTO ON ONTO TO WITH WITHOUT ABOUT AFTER BEFORE DURING UNDER OVER AGAINST BETWEEN
    THROUGH ALSO TODAY YESTERDAY TONIGHT HOWEVER MEANWHILE THERE HERE ALL ANY EACH EVERY OF DE
    DEL Y NOW EVEN STILL ALREADY JUST NEVER OFTEN ALWAYS EARLIER LATER"""
) | frozenset(w.upper() for w in _VERBS | _PRE_WORDS)


def _trie(words: frozenset[str] | set[str]) -> str:
    # Python's re tries the branches of an alternation one by one; a trie
    # shares prefixes, so a position costs the length of a word, not the
    # number of words.
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _phrases(text: str, reverse: bool = False) -> str:
    """A '|'-separated phrase list as a regex; a space matches any whitespace."""
    phrases = [p.strip() for p in text.split("|") if p.strip()]
    if reverse:
        phrases = [" ".join(w[::-1] for w in reversed(p.split())) for p in phrases]
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)


_TOKEN_CHARS = r"[\w'’&/.-]"
_WS = r"(?:[ \t]+\n?[ \t]*|\n[ \t]*)"  # between the words of a name: at most one line break
_PREFIXES = "al el an ad as ash at ar az"  # "al-Ahram", "an-Nahar"
_OUTLET_NOUNS = """news agency | press agency | news service | wire service | daily newspaper
    | newspaper | daily | weekly | monthly | newsmagazine | news magazine | magazine | agency
    | radio station | radio | television station | television | tv station | tv channel | tv
    | TV station | TV channel | TV | broadcaster | tabloid | journal | newsletter | news website
    | website | news portal | news outlet | network | channel"""
# Nouns that also name non-media bodies ("the planning agency CPB", "the
# Haqqani network"): they introduce an outlet only as "the agency X".
_WEAK_NOUNS = _words("agency network channel journal website station")
# Words after "daily" etc. that keep it a noun: "told the X daily in an interview",
# unlike "told the House of Commons daily question period".
_FUNCTION_WORDS = _words("in on at that as to of for and which who with by about from last this yesterday today")
_OUTLET_NOUN = _phrases(_OUTLET_NOUNS)
# Between a name and its verb: "Kyodo News on Tuesday reported", FBIS's "MADRID
# EFE IN SPANISH AT 2132 GMT ON 13 DECEMBER REPORTS".
_ADV_WORDS = _words(
    """has have had also earlier today yesterday tonight later again separately first recently
    previously subsequently quickly itself"""
)
_ADV_LEADS = _words("last this on late early")  # "on Tuesday", "last week"
# "the People's Daily overseas edition said"
_EDITIONS = _words("overseas domestic international english-language weekend sunday online latest")
_DET = r"the|a|an|its|their"
_CONN = _trie(_CONNECTORS)
_NOT_CUE = rf"(?!(?:{_trie(_PRE_WORDS | _VERBS | _words('that who which as by to in'))})\b)"

# A token of a name, read left to right; keeps "U.S." whole but not a full stop.
_TAIL = r"(?:[\w'’&/]|[.-](?=\w))*(?:(?<=\b[A-Z])\.)?"
_NAME_MIXED = rf"""
    (?:(?:{_trie(_words(_PREFIXES))})-)?[A-Z]{_TAIL}
    (?:{_WS}(?:(?:{_CONN}){_WS}){{0,2}}(?:(?:al|el)-)?[A-Z0-9]{_TAIL}){{0,7}}
"""
_TOKEN_UPPER = rf"(?!(?:{_trie(_STOP_UPPER)})(?![\w'’]))[A-Z0-9]{_TAIL}"
_NAME_UPPER = rf"""
    {_TOKEN_UPPER}
    (?:(?:{_WS}(?:(?:{_CONN.upper()}){_WS}){{0,2}}|\s*-\s*){_TOKEN_UPPER}){{0,5}}
"""

# The same names read right to left, for matching backwards from a verb over
# the reversed text before it. A reversed token ends where the original word
# starts: on a capital ("oydyK"), or an "al-" style prefix ("marhA-la").
_REV_PREFIX = rf"(?:-(?:{_trie(frozenset(p[::-1] for p in _PREFIXES.split()))}))?"
_REV_TOKEN = rf"(?:\.(?=[A-Z]\.))?[\w'’&/-]{_TOKEN_CHARS}*?(?<=[A-Z]){_REV_PREFIX}(?!{_TOKEN_CHARS})"
_REV_CONN = _trie(frozenset(c[::-1] for c in _CONNECTORS))
_REV_NAME_MIXED = rf"{_REV_TOKEN}(?:{_WS}(?:(?:{_REV_CONN}){_WS}){{0,2}}{_REV_TOKEN}){{0,7}}"
_REV_TOKEN_UPPER = (
    rf"(?!(?:{_trie(frozenset(w[::-1] for w in _STOP_UPPER))})(?!{_TOKEN_CHARS}))"
    rf"(?:\.(?=[A-Z]\.))?[\w'’&/-]{_TOKEN_CHARS}*?(?<=[A-Z0-9])(?!{_TOKEN_CHARS})"
)
_REV_NAME_UPPER = (
    rf"{_REV_TOKEN_UPPER}(?:(?:{_WS}(?:(?:{_REV_CONN.upper()}){_WS}){{0,2}}|\s*-\s*)"
    rf"{_REV_TOKEN_UPPER}){{0,5}}"
)
_REV_ADV = (
    rf"{_trie(frozenset(w[::-1] for w in _ADV_WORDS))}"
    rf"|\w+\s+(?:{_trie(frozenset(w[::-1] for w in _ADV_LEADS))})"
    rf"|noitide\s+(?:{_trie(frozenset(w[::-1] for w in _EDITIONS))})"
    r"|(?:\w+\s+\d{1,2}\s+no\s+)?tmg\s+\d{3,4}\s+ta\s+\w+\s+ni"  # FBIS: "IN SPANISH AT 2132 GMT ON 13 DEC"
)


def _compile(pattern: str, upper: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE | (re.IGNORECASE if upper else 0))


def _lower_case_names(reverse: bool = False) -> str:
    """Gazetteer spellings written in lower case ("dpa"), which no capitalised run finds."""
    names = {
        s
        for group in _gazetteer().spellings.values()
        for toks in group
        if (s := " ".join(toks)).islower() and " " not in s
    }
    return _trie(frozenset(n[::-1] if reverse else n for n in names)) or "(?!)"


@functools.cache
def _forward(upper: bool) -> re.Pattern[str]:
    """The cited name right after a cue: "according to [the official news agency] IRNA"."""
    name = _NAME_UPPER if upper else rf"(?:{_lower_case_names()}(?!{_TOKEN_CHARS})|{_NAME_MIXED})"
    # In mixed case an introducing noun is lower case: "Radio Free Asia" is a name.
    noun = f"(?i:{_OUTLET_NOUN})" if upper else f"(?:{_OUTLET_NOUN})"
    lower_word = rf"{_NOT_CUE}[a-z][\w'’-]*"
    lead = "" if upper else rf"(?:{lower_word}\s+){{0,2}}"  # "the official Xinhua"
    adjectives = "" if upper else rf"(?:\s+{lower_word}){{0,2}}?"  # "Italian economic daily"
    noun_end = "" if upper else rf"(?!\s+(?!(?:{_trie(_FUNCTION_WORDS)})\b)[a-z])"
    # Only lower-case words between a determiner and the noun in mixed case:
    # "the Boersen-Zeitung newspaper, Schmidt said" is not "the newspaper Schmidt".
    intro_word = r"[\w'’.-]+" if upper else lower_word
    return _compile(
        rf"""
        \s*(?:
            (?P<intro>(?i:{_DET})\s+(?:{_NOT_CUE}{intro_word}\s+){{0,3}}?{noun})\s*,?\s+
          | (?P<det>(?i:{_DET}))\s+{lead}
        )?
        (?P<name>{name})
        (?:{adjectives}\s+(?P<suffix>{noun})\b{noun_end}(?:\s*(?P<comma2>,)?\s+(?P<name2>{name}))?)?
        """,
        upper,
    )


@functools.cache
def _backward(upper: bool) -> re.Pattern[str]:
    """Read right to left from a cue verb: "Wen Wei Po, a Hong Kong daily, | said".

    Matched against the reversed text before the verb, so one anchored match
    finds the name instead of one attempt per possible start.
    """
    if upper:
        name = _REV_NAME_UPPER
    else:
        lower = _lower_case_names(reverse=True)
        name = rf"(?:{lower}(?!{_TOKEN_CHARS})|{_REV_NAME_MIXED})"
    nouns = _phrases(_OUTLET_NOUNS, reverse=True)
    noun = f"(?i:{nouns})" if upper else f"(?:{nouns})"
    return _compile(
        rf"""
        (?P<gap>\s+s?['’] | \s*(?:(?i:{_REV_ADV})\s+)*)
        (?:(?P<appos>,[^,.;:()"\n]{{1,60}}?\s+(?i:a|na|eht|yb\s+(?:derotinom|draeh|detouq))\s*,\s*)
         | (?P<comma>,)\s*)?
        (?:(?:(?P<name2>{name})\s*(?P<comma2>,)?\s+)?(?P<suffix>{noun})\s+)?
        (?P<name>{name})
        """,
        upper,
    )


# Cues are found in the text lower-cased with whitespace, quotes and brackets
# turned into spaces and a space in front: a literal space then starts every
# cue, which lets the regex engine skip from space to space.
# (str.replace per character: str.translate is slow on non-ASCII text.)
_TO_SPACE = "\t\n\r\f\v\"'(){}[]“”‘’"
_ANCHOR_RE = re.compile(" (" + _trie(_VERBS | _NOUNS | _PRE_WORDS) + r")(?![\w'’-])")
_PRE_RE = re.compile(rf"(?:{_PRE})(?=\s)", re.VERBOSE)
# Matched on the reversed text before a name: "the daily | Hurriyet reported".
_REV_INTRO = re.compile(
    rf"(?P<comma>\s*,)?\s*(?P<noun>{_phrases(_OUTLET_NOUNS.lower(), reverse=True)})(?!\w)(?P<the>\s+eht\b)?"
)
_BROADCAST_RE = re.compile(r"radio|television|tv", re.IGNORECASE)
_VERB_AFTER_RE = re.compile(rf"\s+(?:{_trie(_VERBS)})\b", re.IGNORECASE)
_INDEFINITE_RE = re.compile(r"(?:A|An)\s")
_REV_INDEFINITE = re.compile(r"\s+(?:a|na)\b", re.IGNORECASE)
_OUTLET_NOUN_RE = re.compile(rf"\b(?:{_OUTLET_NOUN})\b", re.IGNORECASE)
# A credit line: "BOGOTA, 12 DEC 89 (AFP) --", "WASHINGTON (Reuters) -".
_DATELINE_RE = re.compile(r"\(\s*([A-Za-z][^()\n]{0,60}?)\s*\)\s*(?:--|[-–—])(?=\s)")
_BLOCK_RE = re.compile(r"\n[ \t]*\n")
_LOWER_BYTES = b"abcdefghijklmnopqrstuvwxyz"


# --- matching names ----------------------------------------------------------------------------


def _shape_ok(found: list[str], key: str, upper: bool) -> bool:
    # Lookups ignore case, but in mixed-case text "the economist" or "Afp"
    # must not become a citation: a capitalised word of the spelling must be
    # capitalised in the text and an acronym written in capitals.
    if upper:
        return True
    for spelling in _gazetteer().spellings.get(key, ()):
        if len(spelling) == len(found) and all(
            f == s
            or not s[:1].isalpha()
            or s.casefold() in _GENERIC
            or s.casefold() in _PARTICLES
            or (s[:1].isupper() and f[:1].isupper() and not (len(s) > 1 and s.isupper()))
            or s[:1].islower()
            for f, s in zip(found, spelling, strict=True)
        ):
            return True
    return False


def _known(span: str, upper: bool, allow_tail: bool) -> list[tuple[int, str]]:
    """Gazetteer names in a cited name, as (offset in span, canonical)."""
    gaz = _gazetteer()
    toks = [(m.start(), m.group()) for m in _TOKEN_RE.finditer(span.replace("’", "'"))]
    folded = [t.casefold() for _, t in toks]
    hits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        for length in gaz.lengths.get(folded[i], ()):
            key = " ".join(folded[i : i + length])
            if (
                i + length <= len(toks)
                and key in gaz.canonical
                and _shape_ok([t for _, t in toks[i : i + length]], key, upper)
            ):
                hits.append((i, i + length, gaz.canonical[key]))
                i += length - 1
                break
        i += 1
    out: list[tuple[int, str]] = []
    for n, (start, end, canonical) in enumerate(hits):
        # "Reuters Holdings", "AIR FORCE", "Economist John Smith": a known name
        # followed by more name is another entity, unless only generic outlet
        # words ("Yonhap news agency") or a joint credit ("TELAM-ANSA", "Reuters
        # and AFP") follow. After a cue, mixed-case text may run on: "told
        # Reuters Taiwan would ...", "told CNN's Wolf Blitzer".
        stop = hits[n + 1][0] if n + 1 < len(hits) else len(toks)
        tail = folded[end:stop]
        # (in capitals only for longer names: "TOLD ANA MARIA" is no Athens News Agency)
        long_enough = not upper or end - start > 1 or len(folded[0]) > 4
        if allow_tail and start == 0 and long_enough and not any(w in _NOT_OUTLET for w in tail):
            tail = []
        generic = all(w in _GENERIC or w in _JOINERS for w in tail)
        if generic and tail and not upper:
            # a capitalised "News Agency" makes another name: "Gulf News Agency"
            generic = not any(t[:1].isupper() for _, t in toks[end:stop])
        # "United-Guardian", "McAndrews and Forbes": joined to an unknown name before it
        joined = start >= 2 and folded[start - 1] in _JOINERS and (n == 0 or hits[n - 1][1] != start - 1)
        if generic and not joined:
            out.append((toks[start][0], canonical))
    return out


_JOINERS = frozenset(("and", "&", ",", "-", "/"))


def _looks_like_outlet(folded: list[str]) -> bool:
    """Whether lower-cased name words look like an outlet's name."""
    last = folded[-1]
    if last in _HEADS:
        return len(folded) > 1  # a bare "Times" or "Post" could be any of them
    qualifiers = _QUALIFIED_HEADS.get(last)
    if qualifiers is not None:
        return any(w in qualifiers for w in folded[:-1])
    if folded[0] in _FIRST_HEADS:
        return len(folded) > 1
    # "Times of Zambia", "Voice of the Andes"
    return any(w == "of" and folded[i - 1] in _OF_HEADS for i, w in enumerate(folded) if i)


_OF_HEADS = _HEADS | {"voice"}


def _titlecase(words: list[str]) -> list[str]:
    out = []
    for i, w in enumerate(words):
        if i and w.casefold() in _CONNECTORS:
            out.append(w.lower())
        elif not re.search(r"[AEIOUaeiou]", w) or "." in w:
            out.append(w)  # acronyms and initials: "YSKL", "TV", "U.S."
        else:
            out.append("-".join(p.capitalize() for p in w.split("-")))
    return out


_NAME_WORD_RE = re.compile(r"[\w'’&./-]+")


_VERBISH_RE = re.compile(r"(?<!unit)(?:ed|ing|ly|ates|izes)$")
_HYPHEN_ADJECTIVE_RE = re.compile(
    r".+-(?:based|language|owned|run|controlled|backed|funded|speaking|oriented|affiliated)$",
    re.IGNORECASE,
)


def _unknown(name: str, suffix: str, introduced: bool, upper: bool) -> str | None:
    """A canonical name for a cited outlet missing from the gazetteer, or None."""
    words = _NAME_WORD_RE.findall(name)
    if words and words[0].casefold() in ("the", "a", "an"):
        del words[0]
    if not words:
        return None
    folded = [w.casefold().strip(".,") for w in words]
    broadcast = suffix.split()[0] if suffix else ""
    if broadcast.casefold() not in ("radio", "television", "tv"):
        broadcast = ""
    if not (introduced or broadcast or _looks_like_outlet(folded)):
        return None  # the common case: a person or a place "said"
    if folded[0] in _VAGUE or any(w in _NOT_OUTLET for w in folded):
        return None
    if all(w in _GENERIC for w in folded):
        return None  # "PRESS AGENCY REPORTS NOTE THAT"
    if all(w in _CONNECTORS or w in _GENERIC or _DEMONYM_RE.fullmatch(w) for w in folded):
        return None  # "Iranian radio", "the South Korean news agency", "the U.S. press"
    if _HYPHEN_ADJECTIVE_RE.match(folded[0]) or any(w.endswith(("'s", "’s", "'")) for w in folded):
        return None  # "the Cyprus-based newsletter", "the army's war bulletin"
    if upper and any(_VERBISH_RE.search(w) for w in folded):
        return None  # no case to tell names from words: "RADIO VENCEREMOS INDICATES"
    if upper:
        words = _titlecase(words)
    if broadcast:  # "Kabul radio said" -> "Kabul Radio"
        words.append("TV" if broadcast.casefold() == "tv" else broadcast.capitalize())
    return " ".join(words)


def _qualifier(folded: list[str]) -> bool:
    # The first part of "Hong Kong newspaper Wen Wei Po", "Kuwait's daily al-Anba":
    # a place or nationality, so the outlet is the name after the noun.
    if folded[-1].endswith(("'s", "’s")):
        return True
    if all(w in _CONNECTORS or _DEMONYM_RE.fullmatch(w) for w in folded):
        return True
    return len(folded) == 1 and folded[0].rsplit("-", 1)[-1] not in _HEADS


@dataclass
class _Frame:
    """A name in a citation position, and what surrounds it."""

    name: tuple[int, int]  # span of the name in the block
    suffix: tuple[int, int] | None  # an outlet noun right after it: "Yonhap | news agency"
    name2: tuple[int, int] | None  # a name after that noun: "Hong Kong newspaper | Wen Wei Po"
    comma2: bool  # a comma between the noun and name2
    introduced: bool  # an outlet noun names it: "the daily X", "X, a Hong Kong daily,"
    det: str  # the determiner right before the name ("according to a ..."), lower case
    comma: bool  # a comma between the name and its verb: "X, in charge of Y, said"
    cited: bool  # a cue of citing ("said", "according to"), not just "a ... report"
    from_cue: bool  # the name follows its cue ("told CNN's Wolf Blitzer")
    telling: bool = False  # the cue is "told", "speaking to": its object may be an audience


def _intro_ok(intro: str) -> bool:
    words = intro.lower().split()
    if words[-1] in _WEAK_NOUNS and words[-2:-1] not in (["news"], ["press"], ["wire"]):
        return words[:-1] == ["the"]  # "the agency X", not "the planning agency CPB"
    return True


def _forward_frame(m: re.Match[str], cited: bool, telling: bool = False) -> _Frame:
    intro = m.group("intro")
    return _Frame(
        name=m.span("name"),
        suffix=m.span("suffix") if m.group("suffix") else None,
        name2=m.span("name2") if m.group("name2") else None,
        comma2=bool(m.group("comma2")),
        introduced=bool(intro) and _intro_ok(intro),
        det=(m.group("det") or "").lower(),
        comma=False,
        cited=cited,
        from_cue=True,
        telling=telling,
    )


def _appositive_names_outlet(appos: str) -> bool:
    # ", a Hong Kong daily," describes the name as an outlet; ", the director
    # of the radio station," describes a person.
    words = appos.strip(" ,").lower().split()
    if not words or words[0] in ("monitored", "heard", "quoted") or "of" in words:
        return False  # "Tehran radio, monitored by the BBC, said": BBC is cited on its own
    return bool(_OUTLET_NOUN_RE.search(" ".join(words[-2:])))


def _backward_frame(r: re.Match[str], right: int, cited: bool) -> _Frame:
    # ``r`` matched the reversed text that ends at ``right``.
    def span(group: str) -> tuple[int, int] | None:
        if r.group(group) is None:
            return None
        return right - r.end(group), right - r.start(group)

    appos = r.group("appos") or ""
    name = span("name")
    assert name is not None
    return _Frame(
        name=name,
        suffix=span("suffix"),
        name2=span("name2"),
        comma2=bool(r.group("comma2")),
        introduced=_appositive_names_outlet(appos[::-1]),
        det="",
        comma=bool(r.group("comma")),
        cited=cited,
        from_cue=False,
    )


def _rev_intro(block: str, start: int, frame: _Frame) -> re.Match[str] | None:
    """An outlet noun right before a name: "the daily | Hurriyet", "the agency, | IRNA,"."""
    intro = _REV_INTRO.match(block[max(0, start - 30) : start][::-1].lower())
    if intro and intro.group("comma") and not frame.comma:
        return None  # "the agency, Frazer said": no closing comma, so no apposition
    return intro


def _sources_in(frame: _Frame, block: str, upper: bool) -> Iterator[tuple[int, str]]:
    start, end = frame.name
    suffix = block[frame.suffix[0] : frame.suffix[1]] if frame.suffix else ""
    name2 = frame.name2
    if name2 and (suffix.lower() in _WEAK_NOUNS or (upper and _BROADCAST_RE.fullmatch(suffix))):
        # "STATE SECURITY AGENCY SPOKESMEN"; in capitals "RADIO AMERICA" is one name
        end, suffix, name2 = name2[1], "", None
    if frame.det in ("a", "an") and frame.telling:
        return  # "told a Senate panel", "told a Nikkei conference": an audience
    if frame.comma and not (frame.name2 or _rev_intro(block, start, frame)):
        return  # "Jacques Thas, in charge of rescue for the Herald of Free Enterprise, said"
    lookup_end = frame.suffix[1] if frame.suffix and suffix else end
    allow_tail = frame.from_cue
    known = _known(block[start:lookup_end], upper, allow_tail)
    if not known and name2:
        start, end = name2
        known = _known(block[start:end], upper, allow_tail)
    if known:
        for offset, canonical in known:
            yield start + offset, canonical
        return
    if not frame.cited:
        return  # "a Reuters report" counts, "a Jordan Herald report" is too weak a cue
    start, end = frame.name
    introduced = frame.introduced
    prefix = ""
    before = block[max(0, start - 30) : start][::-1]
    indefinite = _REV_INDEFINITE.match(before) or _INDEFINITE_RE.match(block, start)
    if not frame.from_cue and indefinite and not name2:
        return  # "a Riyadh newspaper said", "an independent Manila radio station said"
    if name2:
        folded = [w.casefold() for w in _NAME_WORD_RE.findall(block[start:end])]
        # "Hong Kong newspaper Wen Wei Po", "the Milan daily, Il Giornale, said"
        # but not "with El Universal newspaper, Marcano said".
        clause = frame.comma2 and bool(_VERB_AFTER_RE.match(block, name2[1]))
        if not frame.comma2 or (_qualifier(folded) and not clause):
            start, end = name2
            suffix = ""
            introduced = True
    head = suffix.split()[0].lower() if suffix else ""
    if head and head not in ("radio", "television", "tv") and suffix.lower() not in _WEAK_NOUNS:
        introduced = True  # "the official Economic Information newspaper said"
    if not frame.from_cue and not introduced:
        intro = _rev_intro(block, start, frame)
        if intro:
            # "the daily Hurriyet reported", "the financial newsletter, Platow, said"
            noun = intro.group("noun")[::-1]
            introduced = noun not in _WEAK_NOUNS or bool(intro.group("the"))
            if noun in ("radio", "television", "tv") and not intro.group("comma"):
                prefix = noun.capitalize() + " "  # "radio Tanzania said": Radio Tanzania
    if frame.det in ("a", "an") and not introduced:
        return
    name = _unknown(prefix + block[start:end], suffix, introduced, upper)
    if name:
        yield start, name


_TELLING = _words("told tells telling tell speaking talking spoke talked speak talk said says say")
_POSSESSIVE_GAPS = frozenset(("", "'", "’", "'s", "’s"))


def _frames(block: str, low: str, upper: bool) -> Iterator[_Frame]:
    # ``low`` is " " + the block lower-cased: its positions are one ahead.
    forward, backward = _forward(upper), _backward(upper)
    for anchor in _ANCHOR_RE.finditer(low):
        cue = anchor.group(1)
        a, b = anchor.start(1) - 1, anchor.end(1) - 1
        if cue in _PRE_WORDS:
            pre = _PRE_RE.match(low, a + 1)
            if pre:
                m = forward.match(block, pre.end() - 1)
                if m:
                    yield _forward_frame(m, cited=True, telling=cue in _TELLING)
        if cue in _VERBS or cue in _NOUNS:
            r = backward.match(block[max(0, a - 100) : a][::-1])
            if r:
                if cue in _VERBS:
                    frame = _backward_frame(r, a, cited=True)
                    # a comma before "quoting" or "citing" is normal: "IRNA, quoting ..."
                    frame.comma = frame.comma and not cue.endswith("ing")
                    yield frame
                elif r.group("gap").strip()[::-1] in _POSSESSIVE_GAPS and not r.group("appos"):
                    yield _backward_frame(r, a, cited=False)
        if cue in _INVERTED:
            m = forward.match(block, b)
            if m:
                after = block[m.end() : m.end() + 3].lstrip(" \t")
                if not after or after[0] in ".,;:\n":
                    yield _forward_frame(m, cited=True)


def _datelines(block: str, upper: bool) -> Iterator[tuple[int, str]]:
    for m in _DATELINE_RE.finditer(block):
        credit = m.group(1)
        known = _known(credit, upper, allow_tail=False)
        if not known:
            # "(PARIS AFP)", "(MOSCOW TASS)": a city before the credit
            gaz = _gazetteer()
            toks = _tokens(credit)
            known = [
                (0, gaz.canonical[_key(" ".join(toks[i:]))])
                for i in range(1, min(len(toks), 3))
                if _key(" ".join(toks[i:])) in gaz.canonical
            ][:1]
        if known:
            yield from ((m.start(1) + offset, name) for offset, name in known)
        elif _looks_like_outlet([w.casefold() for w in _NAME_WORD_RE.findall(credit)] or [""]):
            name = _unknown(credit, "", False, upper)
            if name:
                yield m.start(1), name


def _is_upper(block: str) -> bool:
    # MUC-3 bodies are all capitals; a stray lower-case word must not flip them.
    if block.isupper():
        return True
    sample = block[:600].encode("ascii", "ignore")
    lower = len(sample) - len(sample.translate(None, _LOWER_BYTES))
    return lower * 20 < len(sample)


def _scan(text: str, upper: bool, n: int, found: list[tuple[int, int, str]]) -> None:
    low = text.lower()
    if len(low) != len(text):  # "İ" and a few others grow when lower-cased
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for ch in _TO_SPACE:
        low = low.replace(ch, " ")
    low = " " + low
    for frame in _frames(text, low, upper):
        found.extend((n, pos, name) for pos, name in _sources_in(frame, text, upper))
    if "(" in text:
        found.extend((n, pos, name) for pos, name in _datelines(text, upper))


def extract_sources(text: str) -> tuple[str, ...]:
    """Canonical names of the sources ``text`` cites, deduplicated, in order of first citation."""
    found: list[tuple[int, int, str]] = []
    if text.isupper():
        _scan(text, True, 0, found)
    else:
        blocks = _BLOCK_RE.split(text)
        modes = [_is_upper(block) for block in blocks]
        if any(modes):  # scanned block by block: each in its own case mode
            for n, (block, upper) in enumerate(zip(blocks, modes, strict=True)):
                _scan(block, upper, n, found)
        else:
            _scan(text, False, 0, found)
    found.sort(key=lambda item: item[:2])
    return tuple(dict.fromkeys(name for _, _, name in found))

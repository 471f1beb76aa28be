"""The model's pipeline: word and character n-gram TF-IDF, lexicon-hint counts, logistic
regression (no Flask import).

The n-grams are hashed (the hashing trick of scikit-learn's HashingVectorizer, with a stable
CRC-32 so that a stored model means the same in every process). Character n-grams (3 to 5,
within words, like ``analyzer="char_wb"``) are counted once per word type and multiplied out
by a sparse product with the sentence x word counts: scikit-learn's char analyzer walks every
sentence in Python, 25 s for 100,000 sentences, over the 10 s goal alone. Weighting is
scikit-learn's TfidfTransformer (sublinear tf, smooth idf, l2 per block).

Probabilities are logistic regression's own: it is fitted by minimising log loss, so its
probabilities are calibrated to the degree its regularisation allows, and a wrapping
CalibratedClassifierCV would refit the pipeline once per calibration fold (three to five times
the training time, over the 5 s goal at 10,000 labels) while holding out labels a small
project cannot spare. bench/model.py reports the calibration it gets (expected calibration
error on held-out sentences)."""
from __future__ import annotations

import re
import threading
import zlib

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from ..hints.terms import TermMatcher

N_HASH = 1 << 20
CHAR_NGRAMS = (3, 5)
TOKEN = re.compile(r"\w+|[^\w\s]")  # words, and each punctuation mark (quotes are a tell)
QUOTES = '"“”«»'
# A quotation: the words inside it are a source's, not the outlet's own voice.
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|«[^»]*»|„[^“”]*[“”]')


DIGITS = str.maketrans("123456789", "000000000")  # 1994 and 2021 are one word type, 0000


def _col(data: bytes, seed: int = 0) -> int:
    return zlib.crc32(data, seed) & (N_HASH - 1)


class _WordTypes(dict):
    """Every word type this process has met: its id, its hashed column and the hashed
    columns of its character n-grams. Grows as new words come; the same word always gets
    the same columns, so the ids themselves never reach a fitted model."""

    def __init__(self):
        super().__init__()
        self.unigram: list[int] = []
        self.char_ptr: list[int] = [0]
        self.char_cols: list[int] = []

    def __missing__(self, word: str) -> int:
        i = self[word] = len(self.unigram)
        padded = f" {word} ".encode("utf-8", "surrogatepass")
        self.unigram.append(_col(padded))
        lo, hi = CHAR_NGRAMS
        # n-grams of the UTF-8 bytes: characters where the text is ASCII, never fewer columns
        self.char_cols.extend(sorted({_col(padded[j:j + n], 1) for n in range(lo, hi + 1)
                                      for j in range(len(padded) - n + 1)}))
        self.char_ptr.append(len(self.char_cols))
        return i


_TYPES = _WordTypes()
_TYPES_LOCK = threading.Lock()  # an export and a training may share the table in one process
_MAX_TYPES = 2_000_000  # past this many word types the table starts afresh (memory stays bounded)


def _counts(texts) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(word unigram + bigram counts, character n-gram counts), both n x N_HASH."""
    global _TYPES
    n = len(texts)
    lens = np.empty(n, dtype=np.int64)
    ids: list[int] = []
    with _TYPES_LOCK:
        if len(_TYPES) > _MAX_TYPES:
            _TYPES = _WordTypes()
        types = _TYPES
        lookup = types.__getitem__
        for i, text in enumerate(texts):
            toks = TOKEN.findall(text.lower().translate(DIGITS))
            lens[i] = len(toks)
            ids.extend(map(lookup, toks))
        unigram = np.asarray(types.unigram, dtype=np.int64)
        ptr = np.asarray(types.char_ptr, dtype=np.int64)
        char_cols = np.asarray(types.char_cols, dtype=np.int64)
    tok = np.asarray(ids, dtype=np.int64)
    doc = np.repeat(np.arange(n, dtype=np.int64), lens)
    uni = unigram[tok]
    same = doc[:-1] == doc[1:]
    bi = (uni[:-1][same] * 1_000_003 + uni[1:][same] * 7 + 1) % N_HASH
    cols = np.concatenate([uni, bi])
    rows = np.concatenate([doc, doc[:-1][same]])
    words = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(n, N_HASH))
    words.sum_duplicates()
    n_types = len(unigram)
    per_doc = sparse.csr_matrix((np.ones(len(tok), dtype=np.float32), (doc, tok)), shape=(n, n_types))
    W = sparse.csr_matrix((np.ones(len(char_cols), dtype=np.float32), char_cols, ptr),
                          shape=(n_types, N_HASH))
    chars = (per_doc @ W).tocsr()
    return words, chars


class Counts(TransformerMixin, BaseEstimator):
    """Sentences -> raw counts [word 1-2-grams | char 3-5-grams | hints], n x (2 N_HASH + 5).

    Stateless (fit learns nothing), so training computes it once for all sentences and
    cross-validates only what is fitted; the result is the same as recomputing it per fold.
    The hint columns are, per sentence, the lexicon's cues and contested terms
    (hints.terms.TermMatcher, the matcher of the annotate page's hints), whether it holds a
    quotation mark, the contested terms outside quotations, and whether there are such terms
    but no cue. Only the lexicon (plain JSON) is kept in a stored model; the matcher is
    built on first use."""

    # The two columns of the outlet's own voice (contested terms outside quotation marks, and
    # whether there are some with no attribution cue: the guidelines' contested framing);
    # models stored before them unpickle with this class default, and keep their 3 columns.
    voice = False

    def __init__(self, lexicon: dict | None = None, voice: bool = True):
        self.lexicon = lexicon
        self.voice = voice

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_matcher", None)
        return state

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        words, chars = _counts(X)
        return sparse.hstack([words, chars, self.hint_counts(X)], format="csr", dtype=np.float32)

    def hint_counts(self, X) -> sparse.csr_matrix:
        matcher = self.__dict__.get("_matcher")
        if matcher is None:
            matcher = self.__dict__["_matcher"] = TermMatcher(self.lexicon)
        voiced = self.voice
        out = np.zeros((len(X), 5 if voiced else 3), dtype=np.float32)
        for i, text in enumerate(X):
            hints = matcher.lexical(text)
            for h in hints:
                out[i, 0 if h["type"] == "cue" else 1] += 1
            out[i, 2] = any(q in text for q in QUOTES)
            if voiced:
                quoted = [m.span() for m in QUOTED.finditer(text)]
                own = [h for h in hints if h["type"] != "cue"
                       and not any(a <= h["start"] < b for a, b in quoted)]
                out[i, 3] = len(own)
                out[i, 4] = bool(own) and not out[i, 0]
        return sparse.csr_matrix(out)


BLOCKS = ((0, N_HASH), (N_HASH, 2 * N_HASH))  # words, chars; the hint columns follow


class Weighting(TransformerMixin, BaseEstimator):
    """Counts -> [word TF-IDF | char TF-IDF | log(1 + hint counts)]: keeps the hashed columns
    seen in at least ``min_df`` training sentences, each block weighted by its own
    TfidfTransformer (sublinear tf, smooth idf, l2)."""

    def __init__(self, min_df: int = 3):
        self.min_df = min_df

    def fit(self, X, y=None):
        X = sparse.csr_matrix(X)
        df = np.bincount(X.indices, minlength=X.shape[1])
        self.blocks_ = []
        for lo, hi in BLOCKS:
            keep = lo + np.flatnonzero(df[lo:hi] >= self.min_df)
            self.blocks_.append((keep, TfidfTransformer(sublinear_tf=True).fit(X[:, keep])))
        return self

    def transform(self, X):
        X = sparse.csr_matrix(X)
        out = [tfidf.transform(X[:, keep]) for keep, tfidf in self.blocks_]
        hints = X[:, BLOCKS[-1][1]:]
        out.append(hints.log1p())
        return sparse.hstack(out, format="csr", dtype=np.float32)


def classifier(seed: int = 0) -> Pipeline:
    """What is fitted on the counts: the weighting and logistic regression."""
    clf = LogisticRegression(C=4.0, max_iter=200, tol=1e-3, class_weight="balanced",
                             random_state=seed)
    return Pipeline([("weighting", Weighting()), ("clf", clf)])


def build_pipeline(lexicon: dict | None = None, *, seed: int = 0) -> Pipeline:
    """An unfitted pipeline: sentences in, labels and probabilities out."""
    return Pipeline([("counts", Counts(lexicon)), *classifier(seed).steps])

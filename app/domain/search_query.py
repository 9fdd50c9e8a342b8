"""The search syntax: parse what a user typed into a small tree, and write that tree for each engine.

Syntax (documented in the README): ``words`` (all required), ``"exact phrase"``, ``prefix*``,
``a OR b``, ``-excluded``, ``( … )``; ``AND`` may be written and means nothing more. Anything the syntax
cannot parse (an unclosed quote or parenthesis, a dangling ``OR``, nesting deeper than ``MAX_DEPTH``) is
searched as plain words. An exclusion applies next to something to find: a query that only excludes
finds nothing, and a ``-term`` alone inside ``OR`` is dropped.

Neither engine ever parses user text: each term becomes a quoted FTS5 string or a quoted tsquery lexeme
made of the tokens of ``app.domain.search_terms`` (letters and digits only).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from app.domain.search_terms import spans, stem, words

MAX_TERMS = 16
MAX_DEPTH = 8
MIN_PREFIX = 2


@dataclass(frozen=True)
class Word:
    """A plain word: matches its stem."""

    word: str


@dataclass(frozen=True)
class Phrase:
    """Words in this order (one word: that exact word); ``prefix``: the last one is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class AllOf:
    terms: tuple[Node, ...]
    excluded: tuple[Node, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Node, ...]


Node = Word | Phrase | AllOf | AnyOf


class _UnparsableError(Exception):
    pass


_LEXEME = re.compile(r'\s*(?:"([^"]*)"|([()])|(-)(?=\S)|([^\s"()]+))')


def parse(query: str) -> Node | None:
    """The query's tree, ``None`` when it has nothing to find."""
    try:
        tree = _Parser(query).parse()
    except _UnparsableError:
        tree = _plain(query)
    return _limit(tree)


def _plain(query: str) -> Node | None:
    terms = tuple(Word(w) for w in words(query))
    return AllOf(terms) if terms else None


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens: list[tuple[str, str]] = []  # (kind, text): '"', '(', ')', '-', 'OR', 'AND', 'term'
        position = 0
        query = query.strip()
        while position < len(query):
            m = _LEXEME.match(query, position)
            if m is None or m.end() == position:
                raise _UnparsableError
            position = m.end()
            if m.group(1) is not None:
                self.tokens.append(('"', m.group(1)))
            elif m.group(2):
                self.tokens.append((m.group(2), m.group(2)))
            elif m.group(3):
                self.tokens.append(("-", "-"))
            else:
                term = m.group(4)
                negated = bool(self.tokens) and self.tokens[-1][0] == "-"
                kind = term if term in ("OR", "AND") and not negated else "term"
                self.tokens.append((kind, term))
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node | None:
        tree = self.any(0)
        if self.at != len(self.tokens):
            raise _UnparsableError
        return tree

    def any(self, depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            raise _UnparsableError
        branches = [self.all(depth)]
        while self.peek() == "OR":
            self.take()
            branches.append(self.all(depth))
        kept = tuple(b for b in branches if b is not None)
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else AnyOf(kept)

    def all(self, depth: int) -> Node | None:
        terms: list[Node] = []
        excluded: list[Node] = []
        count = 0
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                if self.peek() in (None, "OR", ")", "AND"):
                    raise _UnparsableError
                continue
            negated = self.peek() == "-"
            if negated:
                self.take()
            node = self.unit(depth)
            count += 1
            if node is not None:
                (excluded if negated else terms).append(node)
        if count == 0:
            raise _UnparsableError  # nothing between two operators
        if not terms:
            return None
        return terms[0] if len(terms) == 1 and not excluded else AllOf(tuple(terms), tuple(excluded))

    def unit(self, depth: int) -> Node | None:
        kind, text = self.take()
        if kind == "(":
            node = self.any(depth + 1)
            if self.peek() != ")":
                raise _UnparsableError
            self.take()
            return node
        if kind == '"':
            found = tuple(words(text))
            return Phrase(found) if found else None
        if kind != "term":
            raise _UnparsableError
        prefix = text.endswith("*")
        found = tuple(words(text))
        if not found:
            return None
        if prefix and len(found[-1]) >= MIN_PREFIX:
            return Phrase(found, prefix=True)
        return Word(found[0]) if len(found) == 1 else Phrase(found)


def _limit(tree: Node | None) -> Node | None:
    """At most ``MAX_TERMS`` terms: the rest of the query is dropped."""
    budget = [MAX_TERMS]

    def cut(node: Node) -> Node | None:
        if isinstance(node, Word | Phrase):
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            return node
        if isinstance(node, AllOf):
            terms = tuple(t for t in map(cut, node.terms) if t is not None)
            excluded = tuple(t for t in map(cut, node.excluded) if t is not None)
            return AllOf(terms, excluded) if terms else None
        kept = tuple(t for t in map(cut, node.terms) if t is not None)
        return AnyOf(kept) if kept else None

    return cut(tree) if tree is not None else None


def expand(tree: Node, aliases: dict[str, list[tuple[str, ...]]]) -> Node:
    """Each term that is a search alias (``zelensky``) also finds the names it stands for."""

    def visit(node: Node) -> Node:
        if isinstance(node, Word | Phrase):
            key = node.word if isinstance(node, Word) else " ".join(node.words)
            names = aliases.get(key)
            if not names or (isinstance(node, Phrase) and node.prefix):
                return node
            return AnyOf((node, *(Phrase(name) for name in names)))
        if isinstance(node, AllOf):
            return AllOf(tuple(map(visit, node.terms)), tuple(map(visit, node.excluded)))
        return AnyOf(tuple(map(visit, node.terms)))

    return visit(tree)


def alias_keys(tree: Node) -> list[str]:
    """The terms of the tree that could be search aliases."""
    keys: list[str] = []
    for node in _leaves(tree):
        if isinstance(node, Word):
            keys.append(node.word)
        elif not node.prefix:
            keys.append(" ".join(node.words))
    return keys


def _leaves(node: Node, *, excluded: bool = True) -> Iterable[Word | Phrase]:
    if isinstance(node, Word | Phrase):
        yield node
    elif isinstance(node, AllOf):
        for term in node.terms:
            yield from _leaves(term, excluded=excluded)
        if excluded:
            for term in node.excluded:
                yield from _leaves(term, excluded=excluded)
    else:
        for term in node.terms:
            yield from _leaves(term, excluded=excluded)


# -- engines ------------------------------------------------------------------------------------------
def _write(
    node: Node,
    *,
    title_only: bool,
    leaf: Callable[[Word | Phrase, bool], str],
    and_: str,
    or_: str,
    not_: Callable[[str, str], str],
) -> str:
    def visit(n: Node, title: bool) -> str:
        if isinstance(n, Word | Phrase):
            return leaf(n, title)
        if isinstance(n, AnyOf):
            return "(" + f" {or_} ".join(visit(t, title) for t in n.terms) + ")"
        text = "(" + f" {and_} ".join(visit(t, title) for t in n.terms) + ")"
        for term in n.excluded:  # an exclusion looks at the whole entry, title or not
            text = not_(text, visit(term, False))
        return text

    return visit(node, title_only)


def _fts5_leaf(node: Word | Phrase, title: bool) -> str:
    if isinstance(node, Word):
        return ("{t}" if title else "{t b}") + ' : "' + stem(node.word) + '"'
    return (
        ("{tw}" if title else "{tw bw}") + ' : "' + " ".join(node.words) + '"' + (" *" if node.prefix else "")
    )


def fts5(tree: Node, *, title_only: bool = False) -> str:
    """The FTS5 ``MATCH`` expression of the tree (columns ``t``/``b`` hold stems, ``tw``/``bw`` words)."""
    return _write(
        tree, title_only=title_only, leaf=_fts5_leaf, and_="AND", or_="OR", not_=lambda a, b: f"({a} NOT {b})"
    )


def _tsquery_leaf(node: Word | Phrase, title: bool) -> str:
    weight = "A" if title else ""
    if isinstance(node, Word):
        return f"'{stem(node.word)}'" + (f":{weight}" if weight else "")
    parts = [f"'={w}'" + (f":{weight}" if weight else "") for w in node.words]
    if node.prefix:
        parts[-1] = f"'={node.words[-1]}':*{weight}"
    return "(" + " <-> ".join(parts) + ")"


def tsquery(tree: Node, *, title_only: bool = False) -> str:
    """The PostgreSQL tsquery literal of the tree (see ``IndexTerms.tsvector``)."""
    return _write(
        tree, title_only=title_only, leaf=_tsquery_leaf, and_="&", or_="|", not_=lambda a, b: f"({a} & !{b})"
    )


# -- snippets -----------------------------------------------------------------------------------------
CHUNK = 3000
"""Long texts are read in chunks of about this many characters, up to the first with a match."""


def highlight(text: str, tree: Node | None, *, start: str, end: str, width: int = 24) -> str | None:
    """The part of ``text`` around its best ``width`` words (in the first chunk with a match), matches
    between ``start`` and ``end``; ``None`` when nothing matches (without a tree: the text's first words)."""
    leaves = list(_leaves(tree, excluded=False)) if tree is not None else []
    offset = 0
    while offset < len(text):
        stop = (
            len(text)
            if len(text) - offset <= CHUNK * 1.5
            else text.find(" ", offset + CHUNK) + 1 or len(text)
        )
        tokens = spans(text, offset, stop)
        marked = _marked(tokens, leaves)
        if tokens and (tree is None or any(marked)):
            return _window(text, tokens, marked, width, start=start, end=end)
        if tree is None:
            return None
        offset = stop
    return None


def _marked(tokens: Sequence[tuple[int, int, str]], leaves: Sequence[Word | Phrase]) -> list[bool]:
    marked = [False] * len(tokens)
    stems = [stem(t[2]) for t in tokens] if any(isinstance(n, Word) for n in leaves) else []
    for node in leaves:
        if isinstance(node, Word):
            target = stem(node.word)
            for i, s in enumerate(stems):
                if s == target:
                    marked[i] = True
            continue
        n = len(node.words)
        for i in range(len(tokens) - n + 1):
            if all(tokens[i + k][2] == node.words[k] for k in range(n - 1)) and (
                tokens[i + n - 1][2].startswith(node.words[-1])
                if node.prefix
                else tokens[i + n - 1][2] == node.words[-1]
            ):
                for k in range(n):
                    marked[i + k] = True
    return marked


def _window(
    text: str,
    tokens: Sequence[tuple[int, int, str]],
    marked: Sequence[bool],
    width: int,
    *,
    start: str,
    end: str,
) -> str:
    """The window of ``width`` words with the most matches, a few words of context before its first."""
    hits = [i for i, flag in enumerate(marked) if flag]
    lead = min(4, width // 4)
    best = 0
    if hits:
        counts = [bisect_left(hits, i + width - lead) - n for n, i in enumerate(hits)]
        best = max(0, hits[counts.index(max(counts))] - lead)
    last = min(len(tokens), best + width) - 1
    before = text[: tokens[0][0]]
    cursor = 0 if best == 0 and not any(ch.isalnum() for ch in before) else tokens[best][0]
    out: list[str] = ["…" if text[:cursor].strip() else ""]
    i = best
    while i <= last:
        if not marked[i]:
            i += 1
            continue
        j = i
        while j + 1 <= last and marked[j + 1] and text[tokens[j][1] : tokens[j + 1][0]].strip() == "":
            j += 1
        out += [text[cursor : tokens[i][0]], start, text[tokens[i][0] : tokens[j][1]], end]
        cursor = tokens[j][1]
        i = j + 1
    stop = tokens[last][1]
    rest = text[stop:]
    if rest.strip() and not any(ch.isalnum() for ch in rest):
        stop = len(text)
    out += [text[cursor:stop], "…" if text[stop:].strip() else ""]
    return "".join(out).strip()

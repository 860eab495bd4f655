"""The versions of a rule: which text replaced which, and which one is current now.

Two kinds of evidence link versions. A document may declare them (``supersedes`` /
``superseded_by``, from either side), and a newer text of the same rule may simply be added
later under its own source_id, with the same title once version marks such as （试行）, (Draft
for Comment) or a year are set aside. Either way the newer text becomes current once it is in
force and the older one is kept, shown as superseded by it: nothing is overwritten, the catalog's
declared status stays as ingested, and this module only reads.

Versions are built from the documents a caller may see (filter by role first), so a sponsor's
chain never passes through an internal text.

Example::

    versions = Versions([r.meta for r in index.documents()], today="2026-11-25")
    chain = versions.chain("nhc-iit-2021")
    [v.source_id for v in chain.versions], chain.current.source_id     # oldest first
    versions.replaced_by("nhc-iit-2021").source_id                     # 'nhc-iit-2024'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from iitkb.schema import LANGS
from iitkb.text import CJK

IN_FORCE = ("in_force", "trial")
# A title key shorter than this ("faq", "sop") says too little to link two rules by it.
MIN_TITLE_KEY = 6
_GROUP = re.compile(r"[（(][^（()）]*[）)]")
_VERSION_MARK = re.compile(r"[（(]\s*(?:trial|试行|draft[^)）]*|征求意见稿|草案|修订[^)）]*|revised[^)）]*|"
                           r"(?:19|20)\d\d[^)）]*)\s*[）)]|(?<!\d)(?:19|20)\d\d(?:年(?:修订|版)?)?(?!\d)", re.I)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass
class Version:
    """One text of a rule: its documents by language, its date, its declared and current status."""

    id: str
    source_id: str
    docs: dict[str, dict]
    date: str
    declared: str
    status: str = ""
    replaced_by: "Version | None" = field(default=None, repr=False)

    def doc(self, lang: str | None = None) -> dict:
        """The document in ``lang``, else the first one it has (zh before en)."""
        for candidate in (lang, *LANGS, *sorted(self.docs)):
            if candidate in self.docs:
                return self.docs[candidate]
        raise KeyError(f"version {self.id} has no documents")

    def title(self, lang: str | None = None) -> str:
        return self.doc(lang).get("title", "")

    @property
    def year(self) -> str:
        return doc_year(self.doc())


@dataclass
class Chain:
    versions: list[Version]            # oldest first
    current: Version

    def index(self, version: Version) -> int:
        return self.versions.index(version)

    def previous(self, version: Version) -> Version | None:
        i = self.index(version)
        return self.versions[i - 1] if i > 0 else None


def short_title(title: str, lang: str) -> str:
    """The title a reader names the rule by: an English title without its Chinese original in
    brackets ("Measures ... (Trial) (医疗卫生机构...（试行）)" -> "Measures ... (Trial)")."""
    text = title
    if lang != "zh":
        previous = None
        while previous != text:
            previous, text = text, _GROUP.sub(lambda m: "" if CJK.search(m.group()) else m.group(), text)
    return re.sub(r"\s+", " ", text).strip() or title


def rule_key(title: str, lang: str) -> str:
    """The title with version marks and, in an English title, its Chinese original removed:
    two texts with the same key are versions of one rule."""
    text = _VERSION_MARK.sub("", short_title(title, lang))
    return re.sub(r"[\W_]+", "", text.lower())


class Versions:
    def __init__(self, docs: list[dict], today: str | None = None):
        self.today = today or dt.date.today().isoformat()
        self._versions = _versions(docs)
        self._chains: dict[str, Chain] = {}
        for group in _linked_groups(self._versions):
            chain = _chain(group, self.today)
            for version in group:
                self._chains[version.id] = chain

    def version(self, ref: str) -> Version | None:
        """The version a source_id, version id or doc_id names."""
        for version in self._versions:
            if ref in (version.id, version.source_id) or any(d["doc_id"] == ref for d in version.docs.values()):
                return version
        return None

    def chain(self, ref: str) -> Chain | None:
        version = self.version(ref)
        return self._chains[version.id] if version else None

    def chains(self) -> list[Chain]:
        """Every chain of two or more versions, once each, in source_id order of their current text."""
        unique = {id(c): c for c in self._chains.values() if len(c.versions) > 1}
        return sorted(unique.values(), key=lambda c: c.current.id)

    def others(self, ref: str) -> list[Version]:
        version, chain = self.version(ref), self.chain(ref)
        return [v for v in chain.versions if v is not version] if chain else []

    def linked(self, a: str, b: str) -> bool:
        chain = self.chain(a)
        return chain is not None and chain is self.chain(b)

    def replaced_by(self, ref: str) -> Version | None:
        version = self.version(ref)
        return version.replaced_by if version else None


def _versions(docs: list[dict]) -> list[Version]:
    """One version per source_id; a source_id holding two texts in one language (a newer file of
    the rule added under the same id) splits into one version per date."""
    by_source: dict[str, list[dict]] = {}
    for doc in sorted(docs, key=lambda d: d["doc_id"]):
        by_source.setdefault(doc["source_id"], []).append(doc)
    versions = []
    for source_id, group in sorted(by_source.items()):
        langs = [d.get("lang") for d in group]
        split = len(set(langs)) < len(langs)
        dated: dict[str, list[dict]] = {}
        for doc in group:
            key = _date(doc) if split else ""
            if doc.get("lang") in {d.get("lang") for d in dated.get(key, [])}:
                key = doc["doc_id"]             # same language, same date: still two texts
            dated.setdefault(key, []).append(doc)
        for key, members in sorted(dated.items()):
            vid = source_id if len(dated) == 1 else f"{source_id}@{key}"
            versions.append(Version(vid, source_id, {d.get("lang", ""): d for d in members},
                                    _date(members[0]), members[0].get("status", "")))
    return versions


def doc_year(doc: dict) -> str:
    """The year a reader calls a text by: of its issue date (Decree 818 of 2025 took effect in
    2026), else its effective date, else the year in its source_id."""
    found = _YEAR.findall(f"{doc.get('issued') or doc.get('effective') or ''} {doc.get('source_id', '')}")
    return found[0] if found else ""


def _date(doc: dict) -> str:
    found = _YEAR.findall(doc.get("source_id", ""))
    return doc.get("effective") or doc.get("issued") or (found[0] if found else "")


def _linked_groups(versions: list[Version]) -> list[list[Version]]:
    """Versions joined by declared links or by a shared title key (union-find)."""
    parent = {v.id: v.id for v in versions}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: str, b: str):
        parent[root(a)] = root(b)

    by_source = {}
    for v in versions:
        by_source.setdefault(v.source_id, []).append(v.id)
    keys: dict[tuple[str, str], str] = {}
    for v in versions:
        for other in by_source[v.source_id]:
            join(v.id, other)
        for doc in v.docs.values():
            for linked in (doc.get("supersedes") or []) + (doc.get("superseded_by") or []):
                for other in by_source.get(linked, []):
                    join(v.id, other)
            key = rule_key(doc.get("title", ""), doc.get("lang", ""))
            if len(key) >= MIN_TITLE_KEY:
                join(v.id, keys.setdefault((doc.get("lang", ""), key), v.id))
    groups: dict[str, list[Version]] = {}
    for v in versions:
        groups.setdefault(root(v.id), []).append(v)
    return list(groups.values())


def _chain(group: list[Version], today: str) -> Chain:
    ordered = _ordered(group)
    in_force = [v for v in ordered if v.declared in IN_FORCE and not _later(v, today)]
    current = in_force[-1] if in_force else ordered[-1]
    cut = ordered.index(current)
    for i, v in enumerate(ordered):
        v.replaced_by = current if i < cut else None
        v.status = ("superseded" if v.declared != "draft" else "draft") if i < cut else v.declared
    return Chain(ordered, current)


def _later(version: Version, today: str) -> bool:
    effective = version.doc().get("effective") or ""
    return bool(effective) and effective > today


def _ordered(group: list[Version]) -> list[Version]:
    """Oldest first: declared links decide where they exist, dates (then ids) everywhere else."""
    ids = {v.source_id: v for v in group}
    after: dict[str, set[str]] = {v.id: set() for v in group}     # version id -> ids that must come first
    for v in group:
        for doc in v.docs.values():
            for old in doc.get("supersedes") or []:
                after[v.id] |= {ids[old].id} if old in ids and ids[old] is not v else set()
            for new in doc.get("superseded_by") or []:
                if new in ids and ids[new] is not v:
                    after[ids[new].id].add(v.id)
    ordered: list[Version] = []
    waiting = sorted(group, key=lambda v: (v.date, v.id))
    while waiting:
        ready = next((v for v in waiting if after[v.id] <= {o.id for o in ordered}), waiting[0])
        ordered.append(ready)
        waiting.remove(ready)
    return ordered

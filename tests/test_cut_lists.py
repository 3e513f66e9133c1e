"""cut_lists looks only at lists too long to take another id; the answer is the former scan's
over every list (by property)."""

import random
from collections import defaultdict

from plugin_builder.preview.checkers.lists import LIST_MAX_BYTES, cut_lists
from plugin_builder.preview.checkers.outputs import _split


def _every_list(sourced_ids: list[str], lists: list[str]) -> dict[str, list[str]]:
    """The former cut_lists: who lists whom, gathered for every user."""
    listed = {sid: set(_split(value)) for sid, value in zip(sourced_ids, lists)}
    length = {sid: len(value.encode()) for sid, value in zip(sourced_ids, lists)}
    listed_by = defaultdict(list)
    for sid in sourced_ids:
        for other in listed[sid]:
            listed_by[other].append(sid)
    cut = {}
    for sid in sourced_ids:
        missing = sorted(o for o in listed_by.get(sid, ()) if o not in listed[sid])
        if missing and length[sid] + 1 + min(len(m.encode()) for m in missing) > LIST_MAX_BYTES:
            cut[sid] = missing
    return cut


def _district(rnd: random.Random) -> tuple[list[str], list[str]]:
    """Students listing contacts; each contact's list is every student listing it (some left
    out, some foreign ids added), kept to 4,000 bytes at a comma: some cut, some not."""
    students = [f"S{rnd.randint(1, 10 ** rnd.choice([2, 6, 6]))}" for _ in range(rnd.randint(1, 1500))]
    contacts = [f"C{i}é" if rnd.random() < 0.2 else f"C{i}" for i in range(rnd.randint(1, 4))]
    of_student = {sid: rnd.sample(contacts, rnd.randint(0, len(contacts))) for sid in students}
    ids, lists = [], []
    for sid in students:
        ids.append(sid)
        lists.append(",".join(of_student[sid]))
    for contact in contacts:
        items = [sid for sid in students if contact in of_student[sid] and rnd.random() < 0.97]
        items += [f"X{rnd.randint(1, 999)}" for _ in range(rnd.randint(0, 3))]
        rnd.shuffle(items)
        value = ",".join(items)
        while len(value.encode()) > LIST_MAX_BYTES - rnd.choice([0, 0, 5, 40]):
            value = value.rsplit(",", 1)[0]
        ids.append(contact)
        lists.append(value)
    if rnd.random() < 0.2:  # a repeated sourcedId
        ids.append(ids[0])
        lists.append(lists[-1])
    return ids, lists


def test_cut_lists_is_the_scan_of_every_list():
    rnd = random.Random(5)
    found_cut = 0
    for _ in range(200):
        ids, lists = _district(rnd)
        expected = _every_list(ids, lists)
        found_cut += bool(expected)
        assert list(cut_lists(ids, lists).items()) == list(expected.items())
    assert found_cut > 20  # the cases cut lists, not only empty answers

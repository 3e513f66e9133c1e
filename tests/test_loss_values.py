"""The losses' column comparison is the multiset difference it replaced (by property)."""

import random
from collections import Counter
from decimal import Decimal

from plugin_builder.preview import writers
from plugin_builder.preview.losses import lost_values


def _multiset_difference(kept: list, full: list) -> tuple[str, ...]:
    """The former comparison: every value as text, counted on both sides."""
    missing = Counter(writers._text(v) for v in full) - Counter(writers._text(v) for v in kept)
    return tuple(sorted(missing.elements()))


def test_lost_values_is_the_multiset_difference_of_the_texts():
    pool = [None, "a", "b", "a b", "a\nb", 1, 1.0, 2, True, Decimal("1.0"), Decimal("1.50"), 1.5, "1", ""]
    rnd = random.Random(3)
    for _ in range(5000):
        kept = [rnd.choice(pool) for _ in range(rnd.randint(0, 8))]
        full = list(kept) if rnd.random() < 0.5 else [rnd.choice(pool) for _ in range(rnd.randint(0, 8))]
        if full and rnd.random() < 0.5:
            full[rnd.randrange(len(full))] = rnd.choice(pool)
        if rnd.random() < 0.2:
            rnd.shuffle(full)
        assert lost_values(kept, full) == _multiset_difference(kept, full), (kept, full)


def test_a_cleaned_value_is_lost_and_equal_values_of_two_types_are_compared_as_text():
    assert lost_values(["Ann Marie", "Bo"], ["Ann\nMarie", "Bo"]) == ("Ann\nMarie",)
    assert lost_values(["Bo", "Ann Marie"], ["Ann\nMarie", "Bo"]) == ("Ann\nMarie",)  # ties reordered
    assert lost_values([1, 2], [1.0, 2]) == ()  # both print as 1
    assert lost_values([True], [1]) == ("1",)  # True prints as True
    assert lost_values([], ["a"]) == ("a",)

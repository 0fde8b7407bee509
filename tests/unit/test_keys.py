"""Sort keys read in the order their lists promise."""

from __future__ import annotations

from portico import keys


def test_accounts_sort_by_name_whatever_follows_it() -> None:
    names = ["Fresh Oy (renamed)", "Fresh Oy", "fresh oy!", "Freshly", "Ärrä Ab"]
    order = sorted(names, key=lambda n: keys.all_accounts(n, "acc-000")["gsi2sk"])
    assert order == sorted(names, key=str.casefold)
    assert order[:2] == ["Fresh Oy", "Fresh Oy (renamed)"]
    # A control character in a name reads as a space: none sorts below the separator.
    assert keys.all_accounts("Fresh\tOy", "acc-000") == keys.all_accounts("Fresh Oy", "acc-000")
    # The same name: by id.
    assert keys.all_accounts("A", "acc-1")["gsi2sk"] < keys.all_accounts("A", "acc-2")["gsi2sk"]

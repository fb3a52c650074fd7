"""Reading PASSERELLE_API_TOKENS: named and bare secrets, and what is ignored.

Why: the token's name is what the audit graph records as the author of a change; a secret read
wrongly (a stray space, an empty entry) would lock a steward out or name the wrong person.
"""

from passerelle.api.auth import parse_tokens


def test_named_and_bare_tokens():
    assert parse_tokens(" alice:s1 , s2,, bob:with:colon ") == [
        ("alice", b"s1"), ("token-2", b"s2"), ("bob", b"with:colon")]


def test_empty_setting_and_empty_secrets_give_no_tokens():
    assert parse_tokens("") == []
    assert parse_tokens("alice:, ,") == []

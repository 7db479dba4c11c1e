"""The per-user cooldown of the public commands: counts per user, forgets idle users."""

from __future__ import annotations

from bot import constants as c
from cogs._answers import _Cooldowns


def test_the_limit_is_per_user_and_idle_users_are_forgotten() -> None:
    cooldowns = _Cooldowns()
    for use in range(c.PUBLIC_COOLDOWN_RATE):
        assert cooldowns.check(1, 1000.0 + use * 0.1) is None
    wait = cooldowns.check(1, 1000.5)
    assert wait is not None and 0 < wait <= c.PUBLIC_COOLDOWN_PER
    assert cooldowns.check(2, 1000.5) is None  # another user is not affected

    for user in range(3, 5003):  # a crowd, once each
        cooldowns.check(user, 1001.0)
    assert len(cooldowns.buckets) == 5002
    # Once a period has passed, the next command drops every idle bucket (but not busy ones).
    later = 1001.0 + c.PUBLIC_COOLDOWN_PER + 1
    assert cooldowns.check(1, later) is None
    assert set(cooldowns.buckets) == {1}

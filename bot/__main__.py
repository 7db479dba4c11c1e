"""`python -m bot` is `lookback-bot`."""

from bot.cli import main

raise SystemExit(main())

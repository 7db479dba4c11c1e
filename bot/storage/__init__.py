"""Storage: everything the bot keeps, behind named async methods that return records.

`bot.storage.sqlite` is the implementation (one package per backend); the services use the
`Storage` interface in `bot.storage.interface`.
"""

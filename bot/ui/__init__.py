"""The Discord surface shared by the cogs: answering (`respond`), views and buttons, the one error
path (`errors`), the interaction backlog, and the command-name translator."""

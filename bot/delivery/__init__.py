"""Everything the bot says in a chat about a task: the "drawing…" status and its progress
edits, the "uploading photo" sign, the picture itself (with the kept original), and the
explanation when there is no picture."""

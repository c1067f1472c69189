"""Each screen's messages, in English and French (`EN`, `FR`), kept out of its code: the screen's module
adds them (`i18n.add_messages`)."""

"""Use cases. Every public call takes the acting user; authorisation and audit happen here."""

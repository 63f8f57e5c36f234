"""The Services section: the catalogue (admins edit it) and the supplies each service uses."""

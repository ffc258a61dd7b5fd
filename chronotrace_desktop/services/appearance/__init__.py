"""Appearance: one vector per tracked person or vehicle, and "find this person elsewhere" over them."""

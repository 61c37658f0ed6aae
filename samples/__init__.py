"""The bundled sample calls, their truth and scripts, shipped in the wheel as package data
(`callintel.samples`) for `callintel demo` and found with importlib.resources (callintel.settings.SAMPLES_DIR)."""

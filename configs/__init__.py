"""The defaults (callintel.toml), word lists, lexicons and trained model files, shipped in the wheel as
package data (`callintel.configs`) and found with importlib.resources (callintel.settings.CONFIG_DIR)."""

"""callintel: offline, Mandarin-first call-centre conversation intelligence.

The package holds what every stage shares (settings, records, the manifest, model
locations); the stages themselves live in `speech`, `nlp` and `warehouse`, and only
`flows` knows their order.
"""

__version__ = "0.1.0"

"""Text in, arrays, labels and records out: the analytics' computations, pure.

Question detection (questions), sentences and jieba tokens (sentences, tokenize), embeddings (embed),
clustering and topic identity (cluster, topics, labels), call resolution (outcomes), best replies
(replies). Nothing here opens DuckDB or imports Prefect: each analytics step's `compute` lives here
and runs in a test with plain inputs (flows/steps.py wires load -> compute -> store).
"""

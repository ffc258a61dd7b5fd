"""Embedder port and engines: text (captions, queries) and images (find-similar), all offline by default.

``registry.default_text_embedder()`` / ``registry.default_image_embedder()`` give the shared engines;
``query_cache.CachedQueryEmbedder`` puts an LRU cache in front of query embedding.
"""

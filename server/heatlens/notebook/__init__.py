"""Notebooks: the IPython extension (`%load_ext heatlens`, `%%heatlens`), and the pure pieces that map a
profile's frames to notebook cells, shared by the kernel side (magic.py) and the language server.

Nothing here imports IPython at import time: `import heatlens` must stay cheap.
"""

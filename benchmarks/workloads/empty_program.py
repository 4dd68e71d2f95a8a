# An empty program: what `heatlens run` costs around any program (benchmarks/whole_command.py).

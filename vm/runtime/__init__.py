"""The runtime shared by both engines: values, operators, printing and builtins."""

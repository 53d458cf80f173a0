"""Policy as code: the YAML file that says who may post what, where, from which device."""

"""Data quality: the rule catalogue (YAML under expectations/rules/), the engine that evaluates it, and the auditors\x27 report."""

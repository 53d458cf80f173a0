"""The vetting engine: pure Python checks that run on every post before a person approves it.

This package never imports Django (tests/vetting/test_purity.py enforces it); the workflow, the
API and the `postguard vet` command all call it the same way:

    engine = Engine.default()
    report = engine.vet(Post(text="..."), VettingContext.from_policy(policy, directory))
"""

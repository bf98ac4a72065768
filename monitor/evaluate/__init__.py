"""Measurements of how well minewatch reads its inputs: ``python -m monitor.evaluate notices``.

``metrics`` (precision, recall, F1), ``notices`` (a labelled notice set through the classifier, language
detection and site linker), ``report`` (the figures as text).
"""

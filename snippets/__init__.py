"""Reference snippets of Post-Training Grill: one module per question, ``qNN_<slug>.py``.

Each module holds the question's reference functions (type hints, the equation in a comment above the
line that computes it, tensor shapes in the docstring, ``ValueError`` on mismatched shapes) and a
``main()`` that asserts the page's claim. Run one with ``python -m snippets.qNN_<slug>``.
They depend on ``torch`` and the standard library only.
"""

"""The Excel add-in's Python side: worksheet functions, the workbook port over a live book,
and the handlers of the ribbon's buttons.

- :mod:`kqxl.excel.udfs`: ``KQ_GRADE``, ``KQ_HEAT``, ``KQ_WHY``, ``KQ_NEXT``, ``KQ_CHECK``
- :mod:`kqxl.excel.book`: :class:`~kqxl.excel.book.XlwingsWorkbook`
- :mod:`kqxl.excel.buttons`: ``validate``, ``recompute``, ``tidy``, ``sync``, ``remind``
- :mod:`kqxl.excel.build`: the add-in ``kqxl.xlam`` and the ``.xlsm`` templates from ``macros/``

Only this package imports xlwings; the rest of kqxl runs without it.
"""

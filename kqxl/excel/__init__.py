"""kqxl inside Excel: the xlwings side of the workbook port, UDFs, buttons and the add-in build."""

Attribute VB_Name = "KqRibbon"
' Callbacks of the kqxl ribbon tab (customUI.xml): one per button, each runs the
' matching macro of KqButtons; and KqTabVisible, the tab's getVisible callback.
'
' The add-in (kqxl.xlam) and the .xlsm templates carry the same tab. So that Excel shows
' one tab, not two, a template's tab hides itself while the add-in is open; the add-in's
' own tab always shows (its buttons act on the active workbook).
Option Explicit

Public Sub KqOnValidate(control As IRibbonControl)
    KqValidate
End Sub

Public Sub KqOnRecompute(control As IRibbonControl)
    KqRecompute
End Sub

Public Sub KqOnTidy(control As IRibbonControl)
    KqTidy
End Sub

Public Sub KqOnSync(control As IRibbonControl)
    KqSync
End Sub

Public Sub KqOnRemind(control As IRibbonControl)
    KqRemind
End Sub

Public Sub KqTabVisible(control As IRibbonControl, ByRef visible)
    visible = (LCase(ThisWorkbook.Name) = "kqxl.xlam") Or Not KqAddinOpen()
End Sub

Private Function KqAddinOpen() As Boolean
    Dim Book As Object
    On Error Resume Next
    Set Book = Application.Workbooks("kqxl.xlam")
    KqAddinOpen = Not (Book Is Nothing)
End Function

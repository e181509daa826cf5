Attribute VB_Name = "KqButtons"
' The five kqxl buttons. Each one hands the work to Python through xlwings' RunPython;
' the handlers in kqxl.excel.buttons read and write the workbook and report problems
' themselves. This module only says what is needed when Python cannot be reached.
' Words in double braces are filled from the kqxl text catalogue when the add-in is built.
Option Explicit

Private Sub KqRun(ByVal Handler As String)
    On Error GoTo NoPython
    RunPython "import kqxl.excel.buttons as b; b." & Handler & "()"
    Exit Sub
NoPython:
    MsgBox {{no_python}} & vbCrLf & vbCrLf & "(" & Err.Description & ")", _
        vbExclamation, {{title}}
End Sub

Public Sub KqValidate()
    KqRun "validate"
End Sub

Public Sub KqRecompute()
    KqRun "recompute"
End Sub

Public Sub KqTidy()
    KqRun "tidy"
End Sub

Public Sub KqSync()
    KqRun "sync"
End Sub

Public Sub KqRemind()
    KqRun "remind"
End Sub

Attribute VB_Name = "KqRibbon"
' Callbacks of the kqxl ribbon tab (customUI.xml): one per button, each runs the
' matching macro of KqButtons.
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

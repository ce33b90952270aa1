package tray

// platformTooltipMax is 63: fyne.io/systray declares NOTIFYICONDATA 8
// bytes too large (its Timeout/Version union as two fields; upstream
// fyne-io/systray#133), so Windows takes it for the old structure and
// cuts the tooltip at 63 characters plus its NUL.
const platformTooltipMax = 63

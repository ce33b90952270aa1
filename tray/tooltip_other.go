//go:build !windows

package tray

// platformTooltipMax bounds tooltips where the panel sets no limit.
const platformTooltipMax = tooltipMax

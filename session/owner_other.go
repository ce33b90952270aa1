//go:build !unix

package session

// ownedByMe: folders under the user's profile are the user's own.
func ownedByMe(string) bool { return true }

// exposed: Windows folders inherit their ACL from the user's profile.
func exposed(string) string { return "" }

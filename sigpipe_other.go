//go:build !unix

package main

// ignorePipe: only Unix has SIGPIPE.
func ignorePipe() {}

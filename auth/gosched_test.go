package auth

import "runtime"

func runtimeGosched() { runtime.Gosched() }

// Package inputfile is the one rule for reading a file a user names
// (playbook, inventory, CA bundle, certificate, secret and token files):
// only a regular file of at most MaxSize bytes is read, and anything else
// (a FIFO, socket or device) is refused at once instead of blocking the
// command. It is a leaf: it imports nothing of the module, so every layer
// (auth included) may call it.
package inputfile

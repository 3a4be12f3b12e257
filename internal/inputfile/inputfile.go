package inputfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxSize is the largest input file read.
const MaxSize = 4 << 20

// Read reads path when it is a regular file of at most MaxSize bytes. It
// refuses anything else without blocking: opening a FIFO for reading waits
// for a writer (and reading a device may never end), so the file is opened
// non-blocking and checked on the open descriptor, which also leaves no
// window to swap the path between the check and the read.
func Read(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (%s); give the path of a file", path, kind(st.Mode()))
	case st.Size() > MaxSize:
		return nil, fmt.Errorf("file is %d bytes; the limit is %d", st.Size(), MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err == nil && len(data) > MaxSize {
		err = fmt.Errorf("file grew past the limit of %d bytes while it was read", MaxSize)
	}
	return data, err
}

func kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.Type().String()
}

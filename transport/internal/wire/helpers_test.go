package wire

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }

func pad12(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}

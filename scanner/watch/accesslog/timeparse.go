package accesslog

import (
	"math"
	"strconv"
	"time"
)

// Hand-written time parsers: time.Parse wants a string (a copy of the
// line's bytes) and is several times slower than reading fixed positions.
// None of these allocates for a zone offset that is a multiple of 15
// minutes (every real one): those zones are built once, here.

const (
	maxZoneMinutes = 14 * 60 // ±14:00 is the widest offset in use (Kiribati)
	zoneStep       = 15      // every offset in use is a multiple of 15 minutes
)

// zones caches a fixed zone per 15-minute offset from -14:00 to +14:00;
// zones[maxZoneMinutes/zoneStep] is UTC.
var zones = func() []*time.Location {
	z := make([]*time.Location, 2*maxZoneMinutes/zoneStep+1)
	for i := range z {
		off := (i*zoneStep - maxZoneMinutes) * 60
		if off == 0 {
			z[i] = time.UTC
			continue
		}
		z[i] = time.FixedZone("", off)
	}
	return z
}()

// zoneFor returns the location for an offset east of UTC in minutes, from
// the cache when it can.
func zoneFor(minutes int) *time.Location {
	if minutes >= -maxZoneMinutes && minutes <= maxZoneMinutes && minutes%zoneStep == 0 {
		return zones[(minutes+maxZoneMinutes)/zoneStep]
	}
	return time.FixedZone("", minutes*60)
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// daysIn is the number of days of month m in year y.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// mkTime builds a time from calendar fields already range-checked, and an
// offset east of UTC in minutes.
func mkTime(y, mo, d, h, mi, s, nsec, offMinutes int) time.Time {
	sec := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+s) - int64(offMinutes*60)
	return time.Unix(sec, int64(nsec)).In(zoneFor(offMinutes))
}

// num reads b[i:i+n] as a decimal number; ok is false unless all n bytes
// are digits.
func num(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// minYear is the earliest year a log time may have: nothing was logged
// before the Unix epoch, so an earlier year is a broken clock or junk (and
// year 1 would be Go's zero time, which callers read as "no time").
const minYear = 1970

// validClock reports whether the fields make a real date and time.
func validClock(y, mo, d, h, mi, s int) bool {
	return y >= minYear && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(mo, y) && h < 24 && mi < 60 && s < 60
}

// month reads a three-letter English month name as nginx and Apache log it
// ("Oct"); 0 when b is not one.
func month(b []byte) int {
	if len(b) != 3 {
		return 0
	}
	switch string(b) { // no allocation: the compiler reads b in place
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// parseCLFTime reads "10/Oct/2000:13:55:36 -0700", the time of the common
// and combined formats (without its brackets).
func parseCLFTime(b []byte) (time.Time, bool) {
	// 0         1         2
	// 01234567890123456789012345
	// 10/Oct/2000:13:55:36 -0700
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	d, ok1 := num(b, 0, 2)
	mo := month(b[3:6])
	y, ok2 := num(b, 7, 4)
	h, ok3 := num(b, 12, 2)
	mi, ok4 := num(b, 15, 2)
	s, ok5 := num(b, 18, 2)
	oh, ok6 := num(b, 22, 2)
	om, ok7 := num(b, 24, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo == 0 || !validClock(y, mo, d, h, mi, s) || om >= 60 {
		return time.Time{}, false
	}
	off := oh*60 + om
	switch b[21] {
	case '+':
	case '-':
		off = -off
	default:
		return time.Time{}, false
	}
	return mkTime(y, mo, d, h, mi, s, 0, off), true
}

// parseRFC3339 reads an RFC 3339 / ISO 8601 time:
// "2006-01-02T15:04:05[.frac](Z|±hh:mm|±hhmm|±hh)", with "t" or a space for
// "T", any number of fraction digits (nanoseconds kept), and no zone read
// as UTC.
func parseRFC3339(b []byte) (time.Time, bool) {
	// 0         1
	// 0123456789012345678
	// 2006-01-02T15:04:05
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	y, ok1 := num(b, 0, 4)
	mo, ok2 := num(b, 5, 2)
	d, ok3 := num(b, 8, 2)
	h, ok4 := num(b, 11, 2)
	mi, ok5 := num(b, 14, 2)
	s, ok6 := num(b, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validClock(y, mo, d, h, mi, s) {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		start := i
		scale := 100000000
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	off := 0
	switch {
	case i == len(b):
	case (b[i] == 'Z' || b[i] == 'z') && i+1 == len(b):
	case b[i] == '+' || b[i] == '-':
		z := b[i+1:]
		var oh, om int
		var ok bool
		switch len(z) {
		case 2: // ±hh
			oh, ok = num(z, 0, 2)
		case 4: // ±hhmm
			oh, ok = num(z, 0, 2)
			var ok2 bool
			om, ok2 = num(z, 2, 2)
			ok = ok && ok2
		case 5: // ±hh:mm
			oh, ok = num(z, 0, 2)
			var ok2 bool
			om, ok2 = num(z, 3, 2)
			ok = ok && ok2 && z[2] == ':'
		}
		if !ok || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off = oh*60 + om
		if b[i] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	return mkTime(y, mo, d, h, mi, s, nsec, off), true
}

// parseEpoch reads a non-negative decimal epoch time, "1646861401.5241024":
// seconds, or milliseconds, microseconds or nanoseconds told apart by the
// integer part's magnitude (see the package doc). Exponent forms
// ("1.646861401e9") are read with strconv. The result is in UTC.
func parseEpoch(b []byte) (time.Time, bool) {
	if len(b) == 0 {
		return time.Time{}, false
	}
	var ip int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if ip > (math.MaxInt64-9)/10 {
			return time.Time{}, false
		}
		ip = ip*10 + int64(b[i]-'0')
		i++
	}
	if i == 0 {
		return time.Time{}, false
	}
	var frac int64 // the fraction in units of 1e-9 of the integer part's unit
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		scale := int64(100000000)
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			frac += int64(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return time.Time{}, false
		}
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil || f < 0 || f >= 1e19 {
			return time.Time{}, false
		}
		ip = int64(f)
		frac = int64((f - float64(ip)) * 1e9)
	}
	var unit int64 // nanoseconds per unit of the integer part
	switch {
	case ip < 1e11:
		unit = 1e9
	case ip < 1e14:
		unit = 1e6
	case ip < 1e17:
		unit = 1e3
	default:
		unit = 1
	}
	sec := ip / (1e9 / unit)
	nsec := (ip%(1e9/unit))*unit + frac*unit/1e9
	return time.Unix(sec, nsec).UTC(), true
}

// parseAnyTime reads a time in any of the shapes the package knows: RFC
// 3339, the common log format's, or an epoch number. It is for the JSON
// formats, where the mapping names a field but not its shape.
func parseAnyTime(b []byte) (time.Time, bool) {
	if len(b) == 0 {
		return time.Time{}, false
	}
	if len(b) >= 19 && b[4] == '-' {
		return parseRFC3339(b)
	}
	if len(b) == 26 && b[2] == '/' {
		return parseCLFTime(b)
	}
	if len(b) == 28 && b[0] == '[' && b[27] == ']' {
		return parseCLFTime(b[1:27])
	}
	return parseEpoch(b)
}

// Package detect finds authorization incidents in access-log traffic that
// has been mapped to API operations: a lockout surge (the share of 401/403
// on one operation rises well above its own baseline, across many
// clients), probing (one client collecting refusals across many operations
// or many object ids of one operation) and an auth outage (401s rise on
// most operations at once). It is the pure core of `authzscan watch`: no
// I/O, no clock; the counts and the alerts are functions of the events fed.
package detect

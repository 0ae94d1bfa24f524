package fixturetest

import (
	"maps"
	"slices"
)

// Object kinds, as Object.Kind names them.
const (
	KindOrder = "order"
	KindItem  = "item"
)

// order is a created order; its creator owns it.
type order struct {
	id       string
	owner    string // username
	product  string
	quantity int64
	seq      int
}

// item is a created item of an order. Its creator is the order's owner or
// an admin.
type item struct {
	id      string
	orderID string
	sku     string
	creator string // username
	seq     int
}

// Counts is the server's object accounting at one moment (Objects). A test
// asserts with it that a scan's teardown left nothing behind: that Live
// holds no object a set-up step created (Label SetupProduct or SetupSKU).
type Counts struct {
	// Orders and Items are how many exist now.
	Orders, Items int
	// OrdersCreated and ItemsCreated are how many were ever created,
	// deleted since or not.
	OrdersCreated, ItemsCreated int
	// ByUser counts per username, by creator: every user who ever created
	// an order or an item has an entry; nobody else has.
	ByUser map[string]UserCounts
	// Live is every order and item that exists now, in the order they
	// were created.
	Live []Object
}

// UserCounts is one user's share of Counts: the orders and items they
// created (an item counts for whoever created it: the order's owner or an
// admin), existing now and ever.
type UserCounts struct {
	Orders, Items               int
	OrdersCreated, ItemsCreated int
}

// Object is one existing order or item.
type Object struct {
	// Kind is KindOrder or KindItem.
	Kind string
	// ID is its id, a random UUID.
	ID string
	// Order is an item's order id; "" for an order.
	Order string
	// Owner is the username owning it: an order's creator, an item's
	// order's owner.
	Owner string
	// Creator is the username that created it.
	Creator string
	// Label is an order's product or an item's sku, as the request gave it.
	Label string
}

// Objects returns the object accounting now: how many orders and items
// exist and were ever created, in total and by whom, and every one that
// exists. Deleting an order deletes its items, which count as deleted too.
func (s *Server) Objects() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{ByUser: map[string]UserCounts{}}
	for name, uc := range s.ever {
		c.ByUser[name] = UserCounts{OrdersCreated: uc.OrdersCreated, ItemsCreated: uc.ItemsCreated}
		c.OrdersCreated += uc.OrdersCreated
		c.ItemsCreated += uc.ItemsCreated
	}
	type live struct {
		seq int
		obj Object
	}
	var all []live
	for _, o := range s.orders {
		uc := c.ByUser[o.owner]
		uc.Orders++
		c.ByUser[o.owner] = uc
		c.Orders++
		all = append(all, live{o.seq, Object{Kind: KindOrder, ID: o.id, Owner: o.owner, Creator: o.owner, Label: o.product}})
	}
	for _, it := range s.items {
		uc := c.ByUser[it.creator]
		uc.Items++
		c.ByUser[it.creator] = uc
		c.Items++
		all = append(all, live{it.seq, Object{Kind: KindItem, ID: it.id, Order: it.orderID, Owner: s.orders[it.orderID].owner, Creator: it.creator, Label: it.sku}})
	}
	slices.SortFunc(all, func(a, b live) int { return a.seq - b.seq })
	for _, l := range all {
		c.Live = append(c.Live, l.obj)
	}
	return c
}

// counted returns username's ever-created counter; s.mu is held.
func (s *Server) counted(username string) *UserCounts {
	uc := s.ever[username]
	if uc == nil {
		uc = &UserCounts{}
		s.ever[username] = uc
	}
	return uc
}

// addOrder creates an order of owner; s.mu is not held.
func (s *Server) addOrder(owner, product string, quantity int64) *order {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	o := &order{id: newUUID(), owner: owner, product: product, quantity: quantity, seq: s.seq}
	s.orders[o.id] = o
	s.counted(owner).OrdersCreated++
	return o
}

// addItem creates an item in order orderID, made by creator; it returns
// nil when the order is gone (deleted since it was looked up).
func (s *Server) addItem(orderID, creator, sku string) *item {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orders[orderID] == nil {
		return nil
	}
	s.seq++
	it := &item{id: newUUID(), orderID: orderID, sku: sku, creator: creator, seq: s.seq}
	s.items[it.id] = it
	s.counted(creator).ItemsCreated++
	return it
}

// findOrder returns a copy of order id, nil when there is none.
func (s *Server) findOrder(id string) *order {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[id]; o != nil {
		c := *o
		return &c
	}
	return nil
}

// findItem returns a copy of item id of order orderID, nil when there is
// no such item in that order.
func (s *Server) findItem(orderID, id string) *item {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.items[id]; it != nil && it.orderID == orderID {
		c := *it
		return &c
	}
	return nil
}

// deleteOrder deletes order id and its items; false when it was gone.
func (s *Server) deleteOrder(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orders[id] == nil {
		return false
	}
	delete(s.orders, id)
	maps.DeleteFunc(s.items, func(_ string, it *item) bool { return it.orderID == id })
	return true
}

// deleteItem deletes item id of order orderID; false when it was gone.
func (s *Server) deleteItem(orderID, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.items[id]; it == nil || it.orderID != orderID {
		return false
	}
	delete(s.items, id)
	return true
}

// allOrders returns a copy of every order, in order of creation.
func (s *Server) allOrders() []order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b order) int { return a.seq - b.seq })
	return out
}

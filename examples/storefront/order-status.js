/** What each order status says to a shopper, shared by the drop page and the tracking page. */
export const STATUS_TEXT = {
  placed: 'Order placed',
  allocated: 'Being prepared',
  picked: 'Packed',
  ready: 'Ready for pick-up',
  shipped: 'Shipped',
  collected: 'Collected',
  delivered: 'Delivered',
};

// What a shopper reads when the server says no. The API's messages are written for developers ("no location
// has stock for glow/GB-LIP (2 wanted, 0 available: none anywhere)"); a shopper gets a sentence about their
// cart, keyed on the error's stable `type` (docs/api.md, "Errors"), never the raw message.

/**
 * `res`: { status, body } of a refused call (status 0: the network failed). `nameOf(brandId, sku)`: the
 * product's name on the page. `opensAt`: the drop's start as the shopper's local time. Returns { text, soldOut? } where
 * soldOut lists the lines the server says are short, and limit `{ sku, left }` what a per-product limit
 * still allows, so the page can fix the cart.
 */
export function friendlyRefusal(res, nameOf, opensAt) {
  if (res.status === 0) return { text: 'We cannot reach the store right now. Check your connection and try again.' };
  const body = res.body ?? {};
  const details = body.details ?? {};
  switch (body.type) {
    case 'InsufficientStock': {
      const short = (body.lines ?? []).map((l) => ({ brandId: l.brandId, sku: l.sku, available: l.available ?? 0 }));
      const gone = short.filter((l) => l.available <= 0).map((l) => nameOf(l.brandId, l.sku));
      const fewer = short.filter((l) => l.available > 0).map((l) => `${nameOf(l.brandId, l.sku)} (only ${l.available} left)`);
      const parts = [];
      if (gone.length) parts.push(`${list(gone)} just sold out`);
      if (fewer.length) parts.push(`there are fewer of ${list(fewer)}`);
      return { text: `Sorry — ${parts.join(', and ') || 'something in your cart just sold out'}. We updated your cart; check it and try again.`, soldOut: short };
    }
    case 'NoSingleLocation':
      return { text: 'We cannot send all of this from one place. Try fewer items, or pick another pick-up point.' };
    case 'BuyerLimitError': {
      // What this customer may still buy: the cart is cut to it (the page cannot know past orders before).
      const left = Math.max(0, (details.max ?? 0) - (details.bought ?? 0));
      if (details.limit === 'perCustomerPerProduct') {
        const name = details.sku ? nameOf(undefined, details.sku) : 'This item';
        return left === 0
          ? { text: `${name} is limited to ${details.max} per customer, and you already have ${details.bought}, so we took it out of your cart.`, limit: { sku: details.sku, left } }
          : { text: `${name} is limited to ${details.max} per customer, and you already have ${details.bought}: you can add ${left} more. We updated your cart.`, limit: { sku: details.sku, left } };
      }
      return { text: `This drop is limited to ${details.max} items per customer, and you already have ${details.bought}${left ? `: you can buy ${left} more. Take something out of your cart to continue.` : '.'}` };
    }
    case 'HoldLimitError':
      return details.limit === 'holdsPerDrop'
        ? { text: 'Lots of shoppers are checking out right now. Please try again in a minute.' }
        : { text: `You can hold at most ${details.max} items at a time. Take something out of your cart, or finish an order first.` };
    case 'DropNotStarted':
      return { text: `The drop has not opened yet${opensAt ? ` — buying opens at ${opensAt}` : ''}.` };
    case 'QueueNotAdmitted':
      return { text: 'It is not your turn yet: you keep your place in the waiting room, and this page unlocks when it comes.' };
    case 'QueueTicketRequired':
    case 'QueueTicketInvalid':
    case 'QueueTicketWrongBrowser':
      return { text: 'This drop has a waiting room, and this browser has no place in it. Reload the page to join.' };
    case 'QueueSoldOut':
      return { text: 'Sold out: every piece of this drop has gone. Thank you for coming!' };
    case 'QueueJoinLimited':
      return { text: 'Too many people joined from your network just now. Please try again in a minute.' };
    case 'DropEnded':
      return { text: 'The drop has ended. Thank you for coming!' };
    case 'PaymentMismatch':
      return { text: 'The prices just changed (the next discount period started). Check the new total and place your order again.' };
    case 'RateLimitedError':
      return { text: `Lots of shoppers right now. Please try again in ${details.retryAfterSeconds ?? 'a few'} seconds.` };
    case 'ReservationNotFound':
      return { text: 'Your hold has expired and the items went back on sale. Reserve again to continue.' };
    default:
      return { text: res.status >= 500 ? 'The store had a problem. Please try again in a moment.' : 'We could not do that. Please check your cart and try again.' };
  }
}

function list(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

// Shared by the workshop's pages: DOM built with textContent only (text from the exercise and
// from participants is never read as HTML), and JSON calls that show the server's French errors.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export async function call(url, body) {
  const response = await fetch(url, body === undefined ? {} : {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify(body)});
  const data = await response.json();
  if (!response.ok) throw new Error(data.erreur || `erreur ${response.status}`);
  return data;
}

export const number = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1).replace(".", ","));

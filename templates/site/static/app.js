// Reads the deployment's settings, then asks the API whether it is up.
const config = await (await fetch("/config.json")).json();
const health = document.getElementById("health");
if (health) {
  try {
    const answer = await fetch(`${config.apiUrl}/health`);
    health.textContent = answer.ok ? "up" : `answering ${answer.status}`;
  } catch {
    health.textContent = "unreachable";
  }
}

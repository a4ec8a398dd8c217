/** `k6/execution`: the running VU and scenario, as far as the scripts read them. */
import { currentVu } from './context.js';

const vuOf = () => {
  const vu = currentVu();
  if (!vu) throw new Error('k6/execution: read outside a VU iteration (in the init context or setup)');
  return vu;
};

export const vu = {
  get idInTest() {
    return vuOf().idInTest;
  },
  get idInInstance() {
    return vuOf().idInTest;
  },
  get iterationInScenario() {
    return vuOf().iterationInScenario;
  },
  get iterationInInstance() {
    return vuOf().iterationInScenario;
  },
};

export const scenario = {
  get name() {
    return vuOf().scenario;
  },
  get executor() {
    return vuOf().executor;
  },
  get iterationInTest() {
    return vuOf().iterationInTest;
  },
  get iterationInInstance() {
    return vuOf().iterationInTest;
  },
};

export default { vu, scenario };
